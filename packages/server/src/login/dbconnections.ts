import type { Context } from 'koa';
import type { ActionRunner } from '../actions/types.ts';
import { parseJson } from '../encoding/json.ts';
import { originAllowedForClient } from '../engine/client-cors.ts';
import { AuthmeshError } from '../errors.ts';
import { BodyError, readBody } from '../http/body.ts';
import type { AuditEvent } from '../management/types.ts';
import { databaseFor, isDatabase } from '../tenant/connections.ts';
import type { TenantContext } from '../tenant/context.ts';
import { findDatabaseUser, type SignupInput } from '../tenant/database-users.ts';
import { isPasswordHashingBusy, PASSWORD_HASHING_RETRY_AFTER_S } from '../tenant/password-pool.ts';
import { deniedSignupBody, signUpWithActions } from './flow-actions.ts';
import type { Outbox } from './outbox.ts';
import { RESET_PATH } from './reset-password.ts';
import { signupRefusalBody } from './signup-refusals.ts';

/** Auth0's Authentication API paths for database connections. */
export const SIGNUP_PATH = '/dbconnections/signup';
export const CHANGE_PASSWORD_PATH = '/dbconnections/change_password';
/** Where the tenant shows the e-mails it would have sent. */
export const OUTBOX_PATH = '/u/outbox';

/** Auth0's answer to `change_password`, whether or not the address has an account (no enumeration). */
const RESET_SENT = "We've just sent you an email to reset your password.";
/** One reset e-mail per address per minute: a script in a loop must not flood the outbox. */
const RESEND_AFTER_MS = 60_000;
const MAX_BODY_BYTES = 16 * 1024;

export interface DbConnectionsDeps {
  tenant: TenantContext;
  outbox: Outbox;
  /** The tenant log (`authmesh dev` prints it): sign-ups, and where to read a reset e-mail. */
  onAudit?: (event: AuditEvent) => void;
  /** Runs the pre- and post-user-registration actions around a sign-up. */
  actions?: ActionRunner;
}

type Fields = Record<string, unknown>;

/**
 * `POST /dbconnections/signup` and `POST /dbconnections/change_password`, Auth0's Authentication API for
 * database connections (what auth0.js, Lock and the native SDKs call). Both take JSON or a form, need a
 * known `client_id` and a database `connection` enabled for it, and answer CORS requests from the
 * client's allowed origins. Errors have Auth0's `{name, code, description, statusCode}` shape.
 */
export function createDbConnections(deps: DbConnectionsDeps) {
  const lastSent = new Map<string, number>();

  return async function dbConnections(ctx: Context): Promise<void> {
    ctx.set('Cache-Control', 'no-store');
    const origin = ctx.get('Origin');
    if (ctx.method === 'OPTIONS' && origin) {
      // The preflight carries no client_id: an origin some client allows may send; whether it may read the
      // answer is decided per client on the real request.
      const known = deps.tenant.registry
        .clients()
        .some((c) => originAllowedForClient(deps.tenant, origin, c.client_id));
      if (!known) {
        ctx.status = 204;
        return;
      }
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.set('Access-Control-Allow-Methods', 'POST');
      ctx.set('Access-Control-Allow-Headers', 'Content-Type, Auth0-Client');
      ctx.set('Access-Control-Max-Age', '600');
      ctx.set('Vary', 'Origin');
      ctx.status = 204;
      return;
    }
    if (ctx.method !== 'POST') {
      ctx.status = 405;
      ctx.set('Allow', 'POST');
      return;
    }
    const fields = await readFields(ctx);
    if (!fields) return;
    const clientId = typeof fields.client_id === 'string' ? fields.client_id : '';
    if (origin && clientId && originAllowedForClient(deps.tenant, origin, clientId)) {
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.set('Vary', 'Origin');
    }
    if (!deps.tenant.registry.client(clientId))
      return refuse(ctx, 'invalid_body', 'Missing required parameter: client_id');
    const name = typeof fields.connection === 'string' ? fields.connection : '';
    if (name === '') return refuse(ctx, 'invalid_body', 'Missing required parameter: connection');
    const { connection, enabled } = databaseFor(deps.tenant.registry, clientId, name);
    if (!connection || !isDatabase(connection)) return refuse(ctx, 'invalid_connection', 'Connection does not exist');
    if (!enabled) return refuse(ctx, 'unauthorized', 'the connection is not enabled', 401);

    if (ctx.path === SIGNUP_PATH) {
      const input = signupInput(fields);
      if (typeof input === 'string') return refuse(ctx, 'invalid_body', input);
      const flow = { tenant: deps.tenant, actions: deps.actions, ctx, clientId };
      let result: Awaited<ReturnType<typeof signUpWithActions>>;
      try {
        result = await signUpWithActions(flow, connection, input, fields);
      } catch (error) {
        if (!isPasswordHashingBusy(error)) throw error;
        // The password-hashing queue is full (tenant/password-pool.ts): nothing was created, retry shortly.
        ctx.set('Retry-After', String(PASSWORD_HASHING_RETRY_AFTER_S));
        ctx.status = 503;
        ctx.body = {
          name: 'ServiceUnavailableError',
          code: 'temporarily_unavailable',
          description: 'Too many sign-ups are being processed at this moment. Retry later.',
          statusCode: 503,
        };
        return;
      }
      if ('denied' in result) {
        ctx.status = 400;
        ctx.body = deniedSignupBody(result.denied);
        return;
      }
      if ('refused' in result) {
        ctx.status = 400;
        ctx.body = signupRefusalBody(result.refused);
        return;
      }
      const { user } = result;
      audit(deps, ctx, clientId, 'POST /dbconnections/signup: :user_id', { user_id: user.user_id });
      ctx.body = {
        _id: user.user_id.slice(user.user_id.indexOf('|') + 1),
        email_verified: user.email_verified,
        email: user.email,
        ...(user.username === undefined ? {} : { username: user.username }),
        ...(user.given_name === undefined ? {} : { given_name: user.given_name }),
        ...(user.family_name === undefined ? {} : { family_name: user.family_name }),
        ...(input.name === undefined ? {} : { name: user.name }),
        ...(input.nickname === undefined ? {} : { nickname: user.nickname }),
        ...(input.picture === undefined ? {} : { picture: user.picture }),
        ...(input.user_metadata === undefined ? {} : { user_metadata: user.user_metadata }),
      };
      return;
    }

    const email = typeof fields.email === 'string' ? fields.email.trim().toLowerCase() : '';
    if (email === '') return refuse(ctx, 'invalid_body', 'Missing required parameter: email');
    const user = await findDatabaseUser(deps.tenant, connection, email);
    const now = Date.now();
    if (user && (lastSent.get(user.user_id) ?? 0) + RESEND_AFTER_MS <= now) {
      lastSent.set(user.user_id, now);
      const ticket = deps.outbox.issueTicket({ userId: user.user_id, connection: connection.name, email: user.email });
      const link = `${deps.tenant.issuer}${RESET_PATH.slice(1)}?ticket=${ticket}`;
      deps.outbox.send({
        to: user.email,
        subject: 'Reset your password',
        text: `We received a request to reset the password of your ${connection.name} account. Open the link to choose a new password.`,
        link,
      });
      // The log says where to read it, never the link: the ticket is a bearer secret.
      audit(deps, ctx, clientId, 'POST /dbconnections/change_password: e-mail to :to, read it at :outbox', {
        to: user.email,
        outbox: `${deps.tenant.issuer}${OUTBOX_PATH.slice(1)}`,
      });
    }
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(RESET_SENT);
  };
}

function audit(deps: DbConnectionsDeps, ctx: Context, actor: string, action: string, target: Record<string, string>) {
  deps.onAudit?.({ time: new Date().toISOString(), actor, action, target, status: 200, ip: ctx.request.ip });
}

function signupInput(fields: Fields): SignupInput | string {
  const text = (key: string): string | undefined =>
    typeof fields[key] === 'string' ? (fields[key] as string) : undefined;
  const email = text('email');
  const password = text('password');
  if (!email) return 'Missing required parameter: email';
  if (!password) return 'Missing required parameter: password';
  const input: SignupInput = { email, password };
  for (const key of ['username', 'name', 'given_name', 'family_name', 'nickname', 'picture'] as const) {
    const value = text(key);
    if (value !== undefined) input[key] = value.slice(0, 300);
  }
  const metadata = fields.user_metadata;
  if (metadata !== undefined) {
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      return 'user_metadata must be an object';
    }
    input.user_metadata = metadata as Record<string, unknown>;
  }
  return input;
}

/** The body as fields (JSON object, or a form), or undefined after answering 400/413 itself. */
async function readFields(ctx: Context): Promise<Fields | undefined> {
  let raw: Buffer;
  try {
    raw = await readBody(ctx.req, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyError) {
      refuse(ctx, 'invalid_body', error.message, error.status);
      return undefined;
    }
    throw error;
  }
  if (ctx.request.type !== 'application/json') return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
  try {
    const parsed = parseJson(raw.toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Fields;
  } catch (error) {
    if (!(error instanceof AuthmeshError)) throw error;
  }
  refuse(ctx, 'invalid_body', 'the body is not a JSON object');
  return undefined;
}

function refuse(ctx: Context, code: string, description: string, status = 400): void {
  ctx.status = status;
  ctx.body = { name: status === 401 ? 'UnauthorizedError' : 'BadRequestError', code, description, statusCode: status };
}
