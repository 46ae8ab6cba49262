import type { ActivityEvent, ConsoleSystem } from '../types.ts';

/** success: it worked; failure: something was refused or went wrong. */
export type Outcome = 'success' | 'failure';

export function outcomeOf(event: ActivityEvent): Outcome {
  switch (event.type) {
    case 'login':
      return event.outcome;
    case 'refusal':
      return 'failure';
    case 'refresh':
      return event.outcome === 'reuse_detected' ? 'failure' : 'success';
    case 'management':
      return event.status >= 400 ? 'failure' : 'success';
    case 'action_log':
      return event.level === 'error' ? 'failure' : 'success';
    default:
      return 'success';
  }
}

/** The client an event is about, if any (a management write's actor is `<client_id>@clients` or a client id). */
export function clientOf(event: ActivityEvent): string | undefined {
  if (event.type === 'management') return event.actor.replace(/@clients$/, '');
  if (event.type === 'action_log') return undefined;
  return event.client_id;
}

export function audienceOf(event: ActivityEvent): string | undefined {
  return 'audience' in event ? event.audience : undefined;
}

/** Everything that names a user in the event, for the user filter. */
export function userTextOf(event: ActivityEvent): string {
  switch (event.type) {
    case 'login':
      return `${event.user_id ?? ''} ${event.username ?? ''}`;
    case 'token':
      return `${event.subject ?? ''}`;
    case 'refusal':
    case 'refresh':
      return event.user_id ?? '';
    case 'management':
      return Object.values(event.target).join(' ');
    default:
      return '';
  }
}

const GRANT_NAMES: Record<string, string> = {
  authorization_code: 'authorization code',
  refresh_token: 'refresh token',
  client_credentials: 'client credentials',
  password: 'password',
  'urn:ietf:params:oauth:grant-type:token-exchange': 'token exchange (on behalf of)',
  'http://auth0.com/oauth/grant-type/password-realm': 'password realm',
};

/** Names from the system picture, so the stream reads "Orders Service", not a client id. */
export function namer(system: ConsoleSystem | undefined) {
  const clients = new Map((system?.clients ?? []).map((c) => [c.client_id, c.name]));
  const apis = new Map((system?.apis ?? []).map((a) => [a.identifier, a.name]));
  return {
    client: (id: string | undefined) => (id ? (clients.get(id) ?? id) : 'an unknown application'),
    api: (audience: string | undefined) => (audience ? (apis.get(audience) ?? audience) : 'no API (userinfo only)'),
    grant: (grantType: string | undefined) => (grantType ? (GRANT_NAMES[grantType] ?? grantType) : ''),
  };
}

/** One line saying what happened. */
export function headline(event: ActivityEvent, names: ReturnType<typeof namer>): string {
  switch (event.type) {
    case 'login':
      return event.outcome === 'success'
        ? `${event.username ?? event.user_id ?? 'A user'} logged in to ${names.client(event.client_id)}`
        : `${event.username ?? 'Someone'} failed to log in to ${names.client(event.client_id)}`;
    case 'token':
      return `${names.client(event.client_id)} got a token for ${names.api(event.audience)} (${names.grant(event.grant_type)})`;
    case 'refusal':
      return `Refused ${event.grant_type ? `${names.grant(event.grant_type)} ` : ''}request from ${names.client(event.client_id)}${
        event.audience ? ` for ${names.api(event.audience)}` : ''
      }: ${event.status} ${event.error}`;
    case 'refresh':
      return event.outcome === 'reuse_detected'
        ? `Refresh token reuse detected for ${names.client(event.client_id)}: the token family is revoked`
        : event.outcome === 'overlap'
          ? `Refresh token reused within the overlap period by ${names.client(event.client_id)}`
          : `Refresh token rotated for ${names.client(event.client_id)}`;
    case 'management': {
      // The console's own token (loopback) acts as `authmesh-console@clients`.
      const actor = clientOf(event);
      const who = actor === 'authmesh-console' ? 'this console' : names.client(actor);
      return `${event.action} by ${who}${event.onBehalfOf ? ` for ${event.onBehalfOf}` : ''} → ${event.status}`;
    }
    case 'action_log':
      return `Action ${event.action} (${event.trigger}) ${event.level}: ${event.message}`;
  }
}

export const TYPE_LABELS: Record<ActivityEvent['type'], string> = {
  login: 'Login',
  token: 'Token',
  refusal: 'Refused',
  refresh: 'Refresh',
  management: 'Management',
  action_log: 'Action log',
};
