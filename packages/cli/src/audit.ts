import type { AuditEvent } from '@authmesh/server';

/**
 * One line per change made through /api/v2, so a developer sees what a script or the Deploy CLI did:
 * `audit 21:45:10 POST /client-grants → 201 by <client> from 127.0.0.1`. The ids of the path are shown,
 * never a body or a secret.
 */
export function formatAudit(event: AuditEvent): string {
  const time = event.time.slice(11, 19);
  let action = event.action;
  for (const [name, value] of Object.entries(event.target)) action = action.replace(`:${name}`, value);
  const actor = event.onBehalfOf ? `${event.onBehalfOf} (via ${event.actor})` : event.actor;
  return `audit ${time} ${action} → ${event.status} by ${actor} from ${event.ip}`;
}
