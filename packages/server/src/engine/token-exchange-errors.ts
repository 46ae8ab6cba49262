import { errors } from 'oidc-provider';

/**
 * Why an On-Behalf-Of token exchange was refused. The engine reports the error through `grant.error`;
 * http/auth0-token-errors.ts turns the reason into Auth0's status, error code and text.
 */
export type TokenExchangeRefusalReason =
  /** A required parameter is missing, or a token type other than an access token was named. */
  | 'bad_request'
  /** The subject token is not an access token this tenant signed (foreign, tampered, an ID token…). */
  | 'subject_token_invalid'
  | 'subject_token_expired'
  /** The subject token was issued for another API than the calling client's own. */
  | 'subject_token_audience'
  /** The subject token is a machine-to-machine token: there is no user to act for. */
  | 'subject_not_user'
  /** The downstream API has no user-delegated client grant (`subject_type: user`) for the caller. */
  | 'audience_not_allowed'
  /** `scope` names scopes the caller's user-delegated grant does not hold. */
  | 'scope_exceeded'
  /** The subject token's `act` chain is already as deep as Auth0 allows. */
  | 'chain_too_deep';

/** A refused On-Behalf-Of exchange; `reason` is what the Auth0 error mapping reads, never the message. */
export class TokenExchangeRefusal extends errors.CustomOIDCProviderError {
  readonly reason: TokenExchangeRefusalReason;

  constructor(reason: TokenExchangeRefusalReason, description: string) {
    super(reason === 'scope_exceeded' ? 'invalid_scope' : 'invalid_request', description);
    this.reason = reason;
  }
}
