import { AuthmeshError, type AuthmeshErrorCode } from '../errors.ts';

/**
 * A flow ended by an action, the way Auth0 ends it: `api.access.deny`, an action that threw, timed out or
 * failed to load. `reason` is what the application sees (`error_description`); `code` is the OAuth error
 * (`access_denied`, or the credentials-exchange code given to `api.access.deny(code, reason)`).
 */
export class AccessDeniedByAction extends AuthmeshError {
  readonly reason: string;
  readonly oauthError: string;
  /** pre-user-registration: the message shown to the user (Auth0's `userMessage`). */
  readonly userMessage: string | undefined;
  readonly action: string;

  constructor(
    code: Extract<AuthmeshErrorCode, `ERR_ACTION_${string}`>,
    details: { action: string; reason: string; oauthError?: string; userMessage?: string },
    options?: ErrorOptions,
  ) {
    super(code, `action "${details.action}": ${details.reason}`, options);
    this.name = 'AccessDeniedByAction';
    this.action = details.action;
    this.reason = details.reason;
    this.oauthError = details.oauthError ?? 'access_denied';
    this.userMessage = details.userMessage;
  }
}
