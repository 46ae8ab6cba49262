import { describe, expect, it } from 'vitest';
import { formatActionLog } from '../src/action-log.ts';

describe('formatActionLog', () => {
  it('tags every line of an action log entry with the action and the trigger', () => {
    expect(
      formatActionLog({
        action: 'add-roles',
        trigger: 'post-login',
        level: 'error',
        message: 'Error: kaput\n    at exports.onExecutePostLogin (/app/actions/add-roles.js:3:9)',
      }),
    ).toBe(
      '[action add-roles post-login] Error: kaput\n' +
        '[action add-roles post-login]     at exports.onExecutePostLogin (/app/actions/add-roles.js:3:9)',
    );
  });
});
