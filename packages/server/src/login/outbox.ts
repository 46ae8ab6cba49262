import { createHash, randomBytes } from 'node:crypto';

/** An e-mail the tenant would have sent (Auth0 sends it; a local tenant shows it on `/u/outbox`). */
export interface OutboxEmail {
  id: string;
  to: string;
  subject: string;
  text: string;
  /** The link the e-mail carries (the password reset page). */
  link: string;
  sentAt: string;
}

/** What a reset ticket lets its holder do: set the password of one user of one database connection. */
export interface ResetTicket {
  userId: string;
  connection: string;
  email: string;
  expiresAt: number;
}

/** Auth0's default lifetime of a password-change ticket: 5 days (432000 s). */
const TICKET_TTL_MS = 432_000_000;
const MAX_EMAILS = 100;

/**
 * The tenant's outbox: the e-mails it would send, newest first, and the reset tickets they carry. Tickets
 * are bearer secrets, kept only as SHA-256 digests and redeemable once. In memory: a restart empties the
 * outbox and voids pending resets (acceptable for a local tenant; the user asks again).
 */
export class Outbox {
  readonly #emails: OutboxEmail[] = [];
  readonly #tickets = new Map<string, ResetTicket>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Records an e-mail as sent. */
  send(email: Omit<OutboxEmail, 'id' | 'sentAt'>): OutboxEmail {
    const sent = { ...email, id: randomBytes(8).toString('hex'), sentAt: new Date(this.#now()).toISOString() };
    this.#emails.unshift(sent);
    this.#emails.length = Math.min(this.#emails.length, MAX_EMAILS);
    return sent;
  }

  emails(): readonly OutboxEmail[] {
    return this.#emails;
  }

  /** A new single-use ticket (256 random bits) for resetting one user's password. */
  issueTicket(ticket: Omit<ResetTicket, 'expiresAt'>): string {
    const value = randomBytes(32).toString('base64url');
    this.#tickets.set(digest(value), { ...ticket, expiresAt: this.#now() + TICKET_TTL_MS });
    return value;
  }

  /** The ticket's grant, while it is valid; `redeem` also voids it. */
  peek(value: string): ResetTicket | undefined {
    const ticket = this.#tickets.get(digest(value));
    if (!ticket) return undefined;
    if (ticket.expiresAt <= this.#now()) {
      this.#tickets.delete(digest(value));
      return undefined;
    }
    return ticket;
  }

  redeem(value: string): ResetTicket | undefined {
    const ticket = this.peek(value);
    if (ticket) this.#tickets.delete(digest(value));
    return ticket;
  }
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
