import type { ActionLogLine } from '@authmesh/server';

/**
 * One Auth0 Action log entry as `authmesh dev` prints it: every line tagged with the action and the
 * trigger (`[action add-roles post-login] …`), so a multi-line stack stays attributable in a busy log.
 */
export function formatActionLog(line: ActionLogLine): string {
  const tag = `[action ${line.action} ${line.trigger}]`;
  return line.message
    .split('\n')
    .map((text) => `${tag} ${text}`)
    .join('\n');
}
