import type { LoginOutcome } from '../observability/metrics.ts';
import type { LoginActivity } from '../tenant/activity.ts';
import type { TenantContext } from '../tenant/context.ts';
import { loginFailureReason } from './plain-reasons.ts';

/** What is known about one login attempt where its outcome is decided. Never the password. */
export interface LoginAttempt {
  client_id?: string;
  connection?: string;
  /** The name the user typed (or the test identity's e-mail). */
  username?: string;
  user_id?: string;
  ip?: string;
}

/**
 * Publishes a login outcome to the tenant's activity feed (the console's stream): the same outcomes the
 * login metrics count, with who and from where. Builds nothing when no console listens.
 */
export function publishLogin(tenant: TenantContext, outcome: LoginOutcome, attempt: LoginAttempt): void {
  tenant.activity.publish((): LoginActivity => {
    const reason = loginFailureReason(outcome);
    return {
      type: 'login',
      outcome: reason === undefined ? 'success' : 'failure',
      ...attempt,
      ...(reason === undefined ? {} : { reason }),
    };
  });
}
