import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { ChangeListener } from './contract.ts';
import type { PostgresConnection } from './postgres-connection.ts';

/** The Postgres channel on which tenant processes announce configuration changes to each other. */
export const CHANGE_CHANNEL = 'authmesh_changes';
/**
 * The channel of counter announcements (a throttle recorded a failure): apart from configuration changes, so
 * that a guesser's failures never make the other processes reload their configuration.
 */
export const COUNTER_CHANNEL = 'authmesh_counters';

/** What an announcement is about: the configuration, or the brute-force counters. */
export type ChangeTopic = 'config' | 'counters';

const CHANNELS: Record<ChangeTopic, string> = { config: CHANGE_CHANNEL, counters: COUNTER_CHANNEL };

/** The longest wait between two attempts to re-open the listening connection. */
const MAX_RECONNECT_MS = 2_000;
/**
 * How often the listening connection is asked to answer, and how long it may take. A connection that died
 * without a word (a network partition, a fail-over behind a proxy) would otherwise look alive for as long as
 * the system's TCP keep-alive takes, hours by default; this bounds the time a process can miss changes.
 */
const HEARTBEAT_MS = 5_000;
const HEARTBEAT_TIMEOUT_MS = 2_000;

/**
 * Configuration changes between the processes sharing one Postgres database, with LISTEN/NOTIFY.
 *
 * A process announces with `pg_notify` on a pooled connection; each process listens on one dedicated
 * connection of its own, opened on the first subscription. The notification names its origin, so a process
 * ignores its own (it refreshed before answering the write). A lost listening connection is re-opened with a
 * growing delay, and listeners are called once when it is back: notifications sent meanwhile were lost, so
 * the process must assume something changed. That keeps a restarted database from leaving a process on a
 * stale configuration for ever. A heartbeat on the listening connection finds one that died silently.
 */
export class PostgresChangeFeed {
  readonly #conn: PostgresConnection;
  readonly #url: string;
  readonly #connectTimeoutMs: number;
  /** This process's (this storage's) id in notifications. */
  readonly #origin = randomUUID();
  readonly #listeners: Record<ChangeTopic, Set<ChangeListener>> = { config: new Set(), counters: new Set() };
  #client: pg.Client | undefined;
  #retry: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #failures = 0;
  #started = false;
  #closed = false;

  constructor(conn: PostgresConnection, url: string, connectTimeoutMs: number) {
    this.#conn = conn;
    this.#url = url;
    this.#connectTimeoutMs = connectTimeoutMs;
  }

  /** Tells every other process listening on this database that the configuration (or the counters) changed. */
  async announce(topic: ChangeTopic = 'config'): Promise<void> {
    const operation = topic === 'config' ? 'announceChange' : 'counters.announce';
    await this.#conn.query(operation, 'SELECT pg_notify($1, $2)', [CHANNELS[topic], this.#origin]);
  }

  /**
   * Subscribes `listener` to announcements of `topic`; the first subscription opens the listening connection,
   * which listens to every topic. Returns the unsubscribe.
   */
  subscribe(listener: ChangeListener, topic: ChangeTopic = 'config'): () => void {
    const listeners = this.#listeners[topic];
    listeners.add(listener);
    if (!this.#started) {
      this.#started = true;
      void this.#listen(false);
    }
    return () => listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    clearInterval(this.#heartbeat);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }

  async #listen(reconnecting: boolean): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({
      connectionString: this.#url,
      connectionTimeoutMillis: this.#connectTimeoutMs,
      keepAlive: true,
      application_name: 'authmesh listen',
    });
    let lost = false;
    const onLost = () => {
      if (lost) return;
      lost = true;
      if (this.#client === client) {
        this.#client = undefined;
        clearInterval(this.#heartbeat);
      }
      client.end().catch(() => {});
      this.#scheduleReconnect();
    };
    // The driver reports a dropped connection as 'error' (or only 'end'); either way, open a new one.
    client.on('error', onLost);
    client.on('end', onLost);
    client.on('notification', (message) => {
      if (message.payload === this.#origin) return;
      if (message.channel === CHANGE_CHANNEL) this.#emit('config');
      else if (message.channel === COUNTER_CHANNEL) this.#emit('counters');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
      await client.query(`LISTEN ${COUNTER_CHANNEL}`);
    } catch {
      onLost();
      return;
    }
    if (this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    this.#client = client;
    this.#failures = 0;
    this.#heartbeat = setInterval(() => void this.#beat(client, onLost), HEARTBEAT_MS);
    this.#heartbeat.unref();
    if (reconnecting) {
      this.#emit('config');
      this.#emit('counters');
    }
  }

  /** Asks the listening connection to answer in time; one that does not is treated as lost. */
  async #beat(client: pg.Client, onLost: () => void): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('heartbeat timed out')), HEARTBEAT_TIMEOUT_MS);
    });
    try {
      await Promise.race([client.query('SELECT 1'), late]);
    } catch {
      onLost();
    } finally {
      clearTimeout(timer);
    }
  }

  #scheduleReconnect(): void {
    if (this.#closed) return;
    this.#failures += 1;
    const delay = Math.min(MAX_RECONNECT_MS, 100 * 2 ** Math.min(this.#failures, 5));
    this.#retry = setTimeout(() => void this.#listen(true), delay);
    // A pending reconnection must not keep the process alive on its own.
    this.#retry.unref();
  }

  #emit(topic: ChangeTopic): void {
    for (const listener of this.#listeners[topic]) listener();
  }
}
