import type { EdgeRef, NodeRef } from '../graph-layout.ts';

/** What the details panel shows: a node of the picture, or an edge (a grant, a policy, a role's permissions). */
export type Selection =
  | {
      type: 'node';
      ref: NodeRef;
      /** For an application: the API to offer first in its new-grant form (from an empty matrix cell). */
      grantAudience?: string;
    }
  | { type: 'edge'; ref: EdgeRef }
  | null;
