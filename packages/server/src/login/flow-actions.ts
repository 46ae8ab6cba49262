import type { Context } from 'koa';
import { AccessDeniedByAction } from '../actions/errors.ts';
import { eventClient, eventTenant, eventUser } from '../actions/events.ts';
import type { ActionConnection, ActionRequest, ActionRunner } from '../actions/types.ts';
import type { TenantContext } from '../tenant/context.ts';
import { type SignupInput, type SignupRefusal, signUp } from '../tenant/database-users.ts';
import type { ConnectionRecord, UserRecord } from '../tenant/records.ts';

/*
 * The registration and password triggers around the database connection's flows, as Auth0 runs them:
 * - pre-user-registration before the user is created: it may deny the sign-up (the user sees its
 *   `userMessage`) or set app and user metadata on the user about to be created;
 * - post-user-registration once the user exists, and post-change-password once a reset link set a new
 *   password: Auth0 runs both after the fact, so their failures are logged by the runner and never
 *   change what the user sees.
 * Nothing here runs, and no event is built, when no deployed action is bound to the trigger.
 */

/** A sign-up's outcome: the user, one of Auth0's refusals, or a pre-user-registration denial. */
export type SignupOutcome = { user: UserRecord } | { refused: SignupRefusal } | { denied: AccessDeniedByAction };

/** Where a flow came from, for the actions' `event.client` and `event.request`. */
export interface FlowContext {
  tenant: TenantContext;
  actions: ActionRunner | undefined;
  ctx: Context;
  clientId?: string;
}

/** Auth0's fields of a request that the actions of these flows must never see. */
const SECRET_FIELDS = new Set(['password', 'client_secret', 'ticket', 'csrf']);

/** `event.request` for the login page and the Authentication API: never a password or a ticket. */
export function flowRequest(ctx: Context, body: Record<string, unknown> = {}): ActionRequest {
  const language = ctx.get('accept-language').split(',')[0]?.split(';')[0]?.trim();
  const query = Object.fromEntries(Object.entries(ctx.query).filter(([k]) => !SECRET_FIELDS.has(k)));
  return {
    ip: ctx.ip,
    hostname: ctx.hostname,
    ...(ctx.get('user-agent') ? { user_agent: ctx.get('user-agent') } : {}),
    method: ctx.method,
    query,
    body: Object.fromEntries(Object.entries(body).filter(([k]) => !SECRET_FIELDS.has(k))),
    geoip: {},
    ...(language ? { language } : {}),
  };
}

/** Signs a user up in a database connection, with the registration triggers around it. */
export async function signUpWithActions(
  flow: FlowContext,
  connection: ConnectionRecord,
  input: SignupInput,
  body: Record<string, unknown> = {},
): Promise<SignupOutcome> {
  const { tenant, actions } = flow;
  const request = flowRequest(flow.ctx, body);
  let toCreate = input;
  if (actions?.has('pre-user-registration')) {
    const client = flow.clientId === undefined ? undefined : tenant.registry.client(flow.clientId);
    try {
      const result = await actions.preUserRegistration({
        user: {
          email: input.email.trim().toLowerCase(),
          email_verified: false,
          ...(input.username === undefined ? {} : { username: input.username }),
          ...(input.name === undefined ? {} : { name: input.name }),
          ...(input.nickname === undefined ? {} : { nickname: input.nickname }),
          ...(input.given_name === undefined ? {} : { given_name: input.given_name }),
          ...(input.family_name === undefined ? {} : { family_name: input.family_name }),
          ...(input.picture === undefined ? {} : { picture: input.picture }),
          app_metadata: {},
          user_metadata: structuredClone(input.user_metadata ?? {}),
        },
        ...(client === undefined ? {} : { client: eventClient(client) }),
        connection: actionConnection(connection),
        request,
        tenant: eventTenant(tenant.settings.friendly_name),
      });
      toCreate = {
        ...input,
        user_metadata: { ...input.user_metadata, ...result.user_metadata },
        app_metadata: result.app_metadata,
      };
    } catch (error) {
      if (error instanceof AccessDeniedByAction) return { denied: error };
      throw error;
    }
  }
  const created = await signUp(tenant, connection, toCreate);
  if ('user' in created && actions?.has('post-user-registration')) {
    await actions.postUserRegistration({
      user: eventUser(created.user, tenant.registry),
      connection: actionConnection(connection),
      request,
      tenant: eventTenant(tenant.settings.friendly_name),
    });
  }
  return created;
}

/** Runs post-change-password after a reset link set a new password. */
export async function afterPasswordChange(
  flow: FlowContext,
  connection: ConnectionRecord,
  userId: string,
): Promise<void> {
  const { tenant, actions } = flow;
  if (!actions?.has('post-change-password')) return;
  const user = (await tenant.storage.entities.get<UserRecord>('user', userId))?.doc;
  if (user === undefined) return;
  await actions.postChangePassword({
    user: {
      user_id: user.user_id,
      email: user.email,
      email_verified: user.email_verified,
      created_at: user.created_at,
      updated_at: user.updated_at,
    },
    connection: actionConnection(connection),
    request: flowRequest(flow.ctx),
    tenant: eventTenant(tenant.settings.friendly_name),
  });
}

function actionConnection(connection: ConnectionRecord): ActionConnection {
  return {
    id: connection.id,
    name: connection.name,
    strategy: connection.strategy,
    metadata: { ...(connection.metadata ?? {}) },
  };
}

/** What a user is told when an action denied the sign-up: its `userMessage`, else Auth0's generic text. */
export function deniedSignupText(denied: AccessDeniedByAction): string {
  return denied.userMessage || 'We are sorry, something went wrong when attempting to sign up.';
}

/**
 * Auth0's answer to `POST /dbconnections/signup` denied by a pre-user-registration action: 400
 * `extensibility_error` with the action's user message.
 */
export function deniedSignupBody(denied: AccessDeniedByAction): Record<string, unknown> {
  return {
    name: 'BadRequestError',
    code: 'extensibility_error',
    description: deniedSignupText(denied),
    statusCode: 400,
  };
}
