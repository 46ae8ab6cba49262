/**
 * The system picture's layout, by hand: three columns (Applications | APIs | Roles), nodes stacked in
 * each, edges as curves between node sides. Each edge gets its own anchor on both nodes so that edges
 * into the same API stay apart and their labels stay readable. Pure: no React, no DOM.
 */
import type { ConsoleApi, ConsoleClient, ConsoleRole, ConsoleSystem } from './types.ts';

export type NodeRef =
  | { kind: 'client'; clientId: string }
  | { kind: 'api'; audience: string }
  | { kind: 'role'; roleId: string };

export type EdgeRef =
  | { kind: 'grant'; grantId: string }
  | { kind: 'mrrt'; clientId: string; audience: string }
  | { kind: 'role-permission'; roleId: string; audience: string };

/** m2m: client grant (solid); obo: user-delegated grant; mrrt: refresh-token policy (dashed); rbac: role → API. */
export type EdgeStyle = 'm2m' | 'obo' | 'mrrt' | 'rbac';

export interface LaidNode {
  key: string;
  ref: NodeRef;
  x: number;
  y: number;
  width: number;
  height: number;
  title: string;
  subtitle: string;
}

export interface LaidEdge {
  key: string;
  ref: EdgeRef;
  style: EdgeStyle;
  /** Scopes or permissions (or their count, when too long to draw), for the label. */
  label: string;
  /** A sentence for screen readers and the tooltip. */
  description: string;
  path: string;
  labelX: number;
  labelY: number;
}

export interface GraphLayout {
  width: number;
  height: number;
  columns: Array<{ title: string; x: number; width: number }>;
  nodes: LaidNode[];
  edges: LaidEdge[];
}

const NODE_WIDTH = 220;
const GAP = 250;
const TOP = 44;
const ROW_GAP = 28;
const PORT_SPACING = 24;
const MIN_HEIGHT = 62;
const COLUMN_X = [0, NODE_WIDTH + GAP, 2 * (NODE_WIDTH + GAP)] as const;

const LABEL_MAX = 34;

/**
 * The label drawn on an edge and the sentence that names it. The label must be part of the name (a screen
 * reader user and a sighted user meet the same words), so a list too long to draw becomes its count.
 */
function labelled(values: string[], unit: string, sentence: string): { label: string; description: string } {
  const list = values.join(' ');
  if (values.length === 0) return { label: `no ${unit}s`, description: `${sentence} with no ${unit}s` };
  if (list.length <= LABEL_MAX) return { label: list, description: `${sentence} with ${list}` };
  const count = `${values.length} ${unit}s`;
  return { label: count, description: `${sentence} with ${count}: ${list}` };
}

export const nodeKey = (ref: NodeRef): string =>
  ref.kind === 'client' ? `client:${ref.clientId}` : ref.kind === 'api' ? `api:${ref.audience}` : `role:${ref.roleId}`;

export const edgeKey = (ref: EdgeRef): string =>
  ref.kind === 'grant'
    ? `grant:${ref.grantId}`
    : ref.kind === 'mrrt'
      ? `mrrt:${ref.clientId}:${ref.audience}`
      : `perm:${ref.roleId}:${ref.audience}`;

/** The APIs worth drawing: every API of the tenant, plus system APIs (the Management API) only when granted. */
export function visibleApis(system: ConsoleSystem): ConsoleApi[] {
  const granted = new Set(system.client_grants.map((g) => g.audience));
  return system.apis.filter((api) => !api.is_system || granted.has(api.identifier));
}

/** Whether a client matches the filter text (name, client_id or app type). */
export function clientMatches(client: ConsoleClient, filter: string): boolean {
  const wanted = filter.trim().toLowerCase();
  if (!wanted) return true;
  return [client.name, client.client_id, client.app_type ?? ''].some((s) => s.toLowerCase().includes(wanted));
}

/** Whether a client grant means anything for this application: it gets client-credentials or exchanged tokens. */
export function canHoldGrants(client: ConsoleClient): boolean {
  return client.grant_types.includes('client_credentials') || client.app_type === 'resource_server';
}

export function appTypeLabel(client: ConsoleClient): string {
  switch (client.app_type) {
    case 'spa':
      return 'Single-page app';
    case 'non_interactive':
      return 'Machine to machine';
    case 'regular_web':
      return 'Regular web app';
    case 'native':
      return 'Native app';
    case 'resource_server':
      return 'Custom API client';
    default:
      return client.app_type ? client.app_type : 'Application';
  }
}

interface PendingEdge {
  ref: EdgeRef;
  style: EdgeStyle;
  from: string;
  to: string;
  label: string;
  description: string;
}

/** Lays out the clients that pass `filter`, every visible API and every role. */
export function layoutGraph(system: ConsoleSystem, filter = ''): GraphLayout {
  const clients = system.clients.filter((c) => clientMatches(c, filter));
  const apis = visibleApis(system);
  const roles = system.roles;
  const apiName = new Map(apis.map((a) => [a.identifier, a.name]));
  const clientKeys = new Set(clients.map((c) => nodeKey({ kind: 'client', clientId: c.client_id })));

  const pending: PendingEdge[] = [];
  for (const grant of system.client_grants) {
    const from = nodeKey({ kind: 'client', clientId: grant.client_id });
    const to = nodeKey({ kind: 'api', audience: grant.audience });
    if (!clientKeys.has(from) || !apiName.has(grant.audience)) continue;
    const client = clients.find((c) => c.client_id === grant.client_id);
    const obo = grant.subject_type === 'user';
    pending.push({
      ref: { kind: 'grant', grantId: grant.id },
      style: obo ? 'obo' : 'm2m',
      from,
      to,
      ...labelled(
        grant.scope,
        'scope',
        `${client?.name ?? grant.client_id} may call ${apiName.get(grant.audience)} ${
          obo ? "on a user's behalf (token exchange)" : 'machine to machine'
        }`,
      ),
    });
  }
  for (const client of clients) {
    for (const policy of client.refresh_token?.policies ?? []) {
      if (!apiName.has(policy.audience)) continue;
      pending.push({
        ref: { kind: 'mrrt', clientId: client.client_id, audience: policy.audience },
        style: 'mrrt',
        from: nodeKey({ kind: 'client', clientId: client.client_id }),
        to: nodeKey({ kind: 'api', audience: policy.audience }),
        ...labelled(
          policy.scope,
          'scope',
          `${client.name}'s refresh token also gets tokens for ${apiName.get(policy.audience)}`,
        ),
      });
    }
  }
  for (const role of roles) {
    const byApi = new Map<string, string[]>();
    for (const p of role.permissions) byApi.set(p.audience, [...(byApi.get(p.audience) ?? []), p.permission]);
    for (const [audience, permissions] of byApi) {
      if (!apiName.has(audience)) continue;
      pending.push({
        ref: { kind: 'role-permission', roleId: role.id, audience },
        style: 'rbac',
        // Drawn from the API's right side to the role: the role column is on the right.
        from: nodeKey({ kind: 'api', audience }),
        to: nodeKey({ kind: 'role', roleId: role.id }),
        ...labelled(permissions, 'permission', `Role ${role.name} on ${apiName.get(audience)}`),
      });
    }
  }

  // Anchors: each edge takes the next free slot on the side it leaves from and the side it arrives at.
  const outgoing = new Map<string, number>();
  const incoming = new Map<string, number>();
  for (const edge of pending) {
    outgoing.set(edge.from, (outgoing.get(edge.from) ?? 0) + 1);
    incoming.set(edge.to, (incoming.get(edge.to) ?? 0) + 1);
  }
  const heightOf = (key: string) =>
    Math.max(MIN_HEIGHT, Math.max(outgoing.get(key) ?? 0, incoming.get(key) ?? 0) * PORT_SPACING + 22);

  const nodes: LaidNode[] = [];
  const column = (items: Array<{ ref: NodeRef; title: string; subtitle: string }>, x: number) => {
    let y = TOP;
    for (const item of items) {
      const key = nodeKey(item.ref);
      const height = heightOf(key);
      nodes.push({ key, ref: item.ref, x, y, width: NODE_WIDTH, height, title: item.title, subtitle: item.subtitle });
      y += height + ROW_GAP;
    }
    return y;
  };
  const bottoms = [
    column(
      clients.map((c) => ({
        ref: { kind: 'client', clientId: c.client_id },
        title: c.name,
        subtitle: appTypeLabel(c),
      })),
      COLUMN_X[0],
    ),
    column(
      apis.map((a) => ({
        ref: { kind: 'api', audience: a.identifier },
        title: a.name,
        subtitle: a.identifier,
      })),
      COLUMN_X[1],
    ),
    column(
      roles.map((r: ConsoleRole) => ({
        ref: { kind: 'role', roleId: r.id },
        title: r.name,
        subtitle: `${r.user_count} ${r.user_count === 1 ? 'user' : 'users'}`,
      })),
      COLUMN_X[2],
    ),
  ];

  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const usedOut = new Map<string, number>();
  const usedIn = new Map<string, number>();
  const anchor = (node: LaidNode, used: Map<string, number>, total: number) => {
    const index = used.get(node.key) ?? 0;
    used.set(node.key, index + 1);
    return node.y + node.height / 2 + (index - (total - 1) / 2) * PORT_SPACING;
  };
  const edges: LaidEdge[] = [];
  for (const edge of pending) {
    const from = byKey.get(edge.from);
    const to = byKey.get(edge.to);
    if (!from || !to) continue;
    const x1 = from.x + from.width;
    const y1 = anchor(from, usedOut, outgoing.get(edge.from) ?? 1);
    const x2 = to.x;
    const y2 = anchor(to, usedIn, incoming.get(edge.to) ?? 1);
    const bend = (x2 - x1) / 2;
    edges.push({
      key: edgeKey(edge.ref),
      ref: edge.ref,
      style: edge.style,
      label: edge.label,
      description: edge.description,
      path: `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`,
      // The label sits just after the edge leaves its node, above the line: there the anchors keep a node's
      // edges apart, and edges from other nodes have not crossed in yet.
      labelX: x1 + 10,
      labelY: y1 - 6,
    });
  }

  return {
    width: COLUMN_X[2] + NODE_WIDTH,
    height: Math.max(...bottoms, TOP + MIN_HEIGHT),
    columns: [
      { title: 'Applications', x: COLUMN_X[0], width: NODE_WIDTH },
      { title: 'APIs', x: COLUMN_X[1], width: NODE_WIDTH },
      { title: 'Roles', x: COLUMN_X[2], width: NODE_WIDTH },
    ],
    nodes,
    edges,
  };
}
