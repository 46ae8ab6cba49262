import { Document, isMap, isPair, isScalar, isSeq, visit } from 'yaml';
import type { TenantSettings, TriggerBindings } from '../config/types.ts';
import type { Storage } from '../storage/contract.ts';
import { managementApiIdentifier } from '../tenant/management-api.ts';
import {
  ACTION_BINDINGS_STATE_KEY,
  type ActionRecord,
  type ClientGrantRecord,
  type ClientRecord,
  type ConnectionRecord,
  type ResourceServerRecord,
  type RoleRecord,
  type UserRecord,
} from '../tenant/records.ts';
import { compare } from './canonical.ts';
import { actionSection, type ExportedFile, triggerSection } from './export-actions.ts';
import { clientEntry, clientGrantEntry } from './export-clients.ts';
import { connectionSections } from './export-connections.ts';
import { resourceServerEntry, roleEntry, tenantEntry } from './export-resources.ts';
import { userEntry } from './export-users.ts';
import { unquotePasswordKeywords } from './placeholders.ts';

export interface ExportOptions {
  /** The tenant's issuer (`http://localhost:4000/`): names the Management API audience in client grants. */
  issuer: string;
  /** Write `client_secret` of confidential clients. Default false: the file is then safe to commit. */
  includeSecrets?: boolean;
  /**
   * `placeholders` (default): every user, with `password: @@AUTHMESH_PASSWORD_<EMAIL>@@` (storage only has
   * hashes; the importer sets those variables). `omit`: no `users:` section.
   */
  users?: 'omit' | 'placeholders';
  /**
   * The tenant settings in effect (`TenantConfig.tenant`): storage does not hold them. Written as the
   * `tenant:` block when any differs from the default; without it there is no `tenant:` block.
   */
  settings?: TenantSettings;
}

const HEADER = [
  ' Exported by authmesh in the Auth0 Deploy CLI format (`users` is an authmesh extension).',
  ' Import it with `authmesh import`. Users need their passwords as environment variables: each',
  ' `@@AUTHMESH_PASSWORD_…@@` keyword is the name of one.',
].join('\n');

/**
 * Writes the live tenant (tenant.yaml entities plus everything changed through /api/v2) as a Deploy CLI
 * tenant.yaml. The output is deterministic: sections in Deploy CLI order, entities sorted by
 * identifier / name / e-mail, keys in a fixed order, so two exports of the same tenant are
 * byte-identical. The Management API itself is never written (Auth0's Deploy CLI skips it too); grants
 * to it are. Never written: password hashes, user passwords, and client secrets unless `includeSecrets`.
 */
export async function exportTenant(storage: Storage, options: ExportOptions): Promise<string> {
  return (await exportTenantFiles(storage, options)).text;
}

/**
 * `exportTenant` with the files the tenant.yaml refers to: each action's code, at the path its `code:`
 * names relative to the YAML's folder (`./actions/<name>/code.js`), as the Deploy CLI writes them.
 */
export async function exportTenantFiles(
  storage: Storage,
  options: ExportOptions,
): Promise<{ text: string; files: ExportedFile[] }> {
  const [apis, clients, grants, roles, users, connections, actions, bindings] = await Promise.all([
    storage.entities.list<ResourceServerRecord>('resource_server'),
    storage.entities.list<ClientRecord>('client'),
    storage.entities.list<ClientGrantRecord>('client_grant'),
    storage.entities.list<RoleRecord>('role'),
    storage.entities.list<UserRecord>('user'),
    storage.entities.list<ConnectionRecord>('connection'),
    storage.entities.list<ActionRecord>('action'),
    storage.getState<TriggerBindings>(ACTION_BINDINGS_STATE_KEY),
  ]);
  const clientNames = new Map(clients.items.map((e) => [e.doc.client_id, e.doc.name]));
  const roleNames = new Map(roles.items.map((e) => [e.doc.id, e.doc.name]));
  const management = managementApiIdentifier(options.issuer);

  const data: Record<string, unknown> = {};
  const tenant = tenantEntry(options.settings);
  if (tenant !== undefined) data.tenant = tenant;
  data.resourceServers = apis.items
    .map((e) => e.doc)
    .filter((api) => !api.is_system && api.identifier !== management)
    .sort((a, b) => compare(a.identifier, b.identifier))
    .map(resourceServerEntry);
  data.clients = clients.items
    .map((e) => e.doc)
    .sort((a, b) => compare(a.name, b.name))
    .map((c) => clientEntry(c, options.includeSecrets === true));
  data.clientGrants = grants.items
    // A grant whose client is gone cannot be named, and would not import.
    .flatMap((e) => {
      const name = clientNames.get(e.doc.client_id);
      return name === undefined ? [] : [{ name, grant: e.doc }];
    })
    .sort((a, b) => compare(a.name, b.name) || compare(a.grant.audience, b.grant.audience))
    .map(({ name, grant }) => clientGrantEntry(grant, name));
  data.roles = roles.items
    .map((e) => e.doc)
    .sort((a, b) => compare(a.name, b.name))
    .map(roleEntry);
  Object.assign(
    data,
    connectionSections(
      connections.items.map((e) => e.doc),
      clientNames,
    ),
  );
  const exported = actionSection(
    actions.items.map((e) => e.doc),
    options.includeSecrets === true,
  );
  if (exported.entries.length > 0) data.actions = exported.entries;
  const triggers = triggerSection(bindings ?? {});
  if (Object.keys(triggers).length > 0) data.triggers = triggers;
  if ((options.users ?? 'placeholders') === 'placeholders') {
    data.users = users.items
      .map((e) => e.doc)
      .sort((a, b) => compare(a.email, b.email))
      .map((u) => userEntry(u, roleNames));
  }
  return { text: unquotePasswordKeywords(toYaml(data)), files: exported.files };
}

// Short lists and `{value, description}` pairs read best on one line, as in examples/tenant.yaml.
const FLOW_SEQS = new Set(['grant_types', 'scope', 'roles']);
const FLOW_ITEMS = new Set(['scopes', 'permissions']);

function toYaml(data: Record<string, unknown>): string {
  const doc = new Document(data);
  doc.commentBefore = HEADER;
  // A blank line between sections, as hand-written tenant.yaml files have.
  if (isMap(doc.contents)) {
    for (const pair of doc.contents.items.slice(1)) if (isScalar(pair.key)) pair.key.spaceBefore = true;
  }
  visit(doc, {
    Pair(_, pair) {
      if (!isPair(pair) || !isScalar(pair.key)) return;
      const key = String(pair.key.value);
      // Only lists of plain values: top-level `roles` is also a key, and its entries are maps.
      if (FLOW_SEQS.has(key) && isSeq(pair.value) && pair.value.items.every(isScalar)) pair.value.flow = true;
      if (FLOW_ITEMS.has(key) && isSeq(pair.value)) {
        for (const item of pair.value.items) if (isMap(item)) item.flow = true;
      }
    },
  });
  return doc.toString({ lineWidth: 0 });
}
