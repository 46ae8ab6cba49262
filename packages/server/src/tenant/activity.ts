/**
 * The tenant's live activity: what the console's stream shows (logins, issued tokens, refusals, refresh
 * rotations and reuse, Management API writes, Actions' log lines) as it happens, in this process.
 *
 * Nothing is recorded or kept: with no subscriber (no console open), {@link ActivityFeed.publish} returns
 * after one property read without calling the event's builder, so the token endpoint's hot path pays
 * nothing for a console that is not open. Events are built lazily for the same reason.
 *
 * Several tenant processes (authmesh serve on Postgres) each have their own feed: a console shows the
 * process it is connected to.
 */

/** Which endpoint or step refused a request. */
export type RefusalSource = 'token' | 'revoke' | 'authorize' | 'login' | 'management';

/** The parts every activity event has. */
interface ActivityBase {
  /** Increasing per process: the stream's event id. */
  id: number;
  /** ISO-8601. */
  time: string;
}

/** A login on the login page or a password grant (never the password). */
export interface LoginActivity {
  type: 'login';
  outcome: 'success' | 'failure';
  client_id?: string;
  connection?: string;
  user_id?: string;
  /** The name the user typed (e-mail or username); a failure records it even for unknown users. */
  username?: string;
  /** Plain words for a failure (wrong password, blocked user, throttled …). */
  reason?: string;
  ip?: string;
}

/** An access token issued at /oauth/token. */
export interface TokenActivity {
  type: 'token';
  grant_type: string;
  client_id: string;
  audience?: string;
  scope?: string;
  subject?: string;
  /** RFC 8693 actor of an On-Behalf-Of token. */
  act?: unknown;
  /** The access token itself, only where the feed was told to include tokens (a dev tenant on loopback). */
  access_token?: string;
  /** The decoded JWT header and claims, always (no signature). */
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  expires_in?: number;
  ip?: string;
}

/** A refused request, with the reason in plain words beside Auth0's error. */
export interface RefusalActivity {
  type: 'refusal';
  source: RefusalSource;
  status: number;
  error: string;
  error_description?: string;
  /** What went wrong and what would fix it, in plain words. */
  reason: string;
  client_id?: string;
  grant_type?: string;
  audience?: string;
  user_id?: string;
  ip?: string;
}

/** A refresh token rotated, or a reused one detected (the family revoked). */
export interface RefreshActivity {
  type: 'refresh';
  outcome: 'rotated' | 'reuse_detected' | 'overlap';
  client_id?: string;
  user_id?: string;
  audience?: string;
}

/** A write through /api/v2 (the audit event). */
export interface ManagementActivity {
  type: 'management';
  actor: string;
  onBehalfOf?: string;
  action: string;
  target: Readonly<Record<string, string>>;
  status: number;
  ip: string;
}

/** A line an Auth0 Action logged (or its failure). */
export interface ActionLogActivity {
  type: 'action_log';
  action: string;
  trigger: string;
  level: string;
  message: string;
}

export type ActivityPayload =
  | LoginActivity
  | TokenActivity
  | RefusalActivity
  | RefreshActivity
  | ManagementActivity
  | ActionLogActivity;

export type ActivityEvent = ActivityBase & ActivityPayload;

export type ActivityListener = (event: ActivityEvent) => void;

export class ActivityFeed {
  readonly #listeners = new Set<ActivityListener>();
  #nextId = 1;
  /** Whether issued tokens themselves travel in `token` events (a dev tenant on loopback), or only their claims. */
  readonly includeTokens: boolean;

  constructor(options: { includeTokens?: boolean } = {}) {
    this.includeTokens = options.includeTokens ?? false;
  }

  /** True while at least one subscriber listens: callers may skip work that only the feed would use. */
  get listening(): boolean {
    return this.#listeners.size > 0;
  }

  /**
   * Publishes an event to the current subscribers. `build` is called only when someone listens, and a
   * failing builder or listener never reaches the request that published.
   */
  publish(build: () => ActivityPayload | undefined): void {
    if (this.#listeners.size === 0) return;
    let event: ActivityEvent;
    try {
      const payload = build();
      if (payload === undefined) return;
      event = { id: this.#nextId++, time: new Date().toISOString(), ...payload };
    } catch {
      return;
    }
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A console that cannot take an event must not break the request that produced it.
      }
    }
  }

  /** Starts receiving events; call the returned function to stop. */
  subscribe(listener: ActivityListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }
}
