import { countedPage } from './action-paging.ts';
import { versionView } from './action-view.ts';
import { findAction } from './actions.ts';
import { ManagementError } from './errors.ts';
import type { ManagementDeps, ManagementRoute } from './types.ts';

/*
 * `/api/v2/actions/actions/:actionId/versions`: the versions of an action. The tenant keeps the deployed
 * version only (what runs), not Auth0's history of every deploy, so the list holds that one version, numbered
 * as Auth0 numbers deploys; an action never deployed has none.
 */

export function actionVersionRoutes({ tenant }: ManagementDeps): ManagementRoute[] {
  const versionsOf = (actionId: string | undefined) => {
    const action = findAction(tenant, actionId);
    return action.deployed ? [versionView(action)] : [];
  };
  return [
    {
      method: 'GET',
      path: '/actions/actions/:actionId/versions',
      scopes: ['read:actions'],
      async handler({ params, query }) {
        return { status: 200, body: countedPage(versionsOf(params.actionId), query, 'versions') };
      },
    },
    {
      method: 'GET',
      path: '/actions/actions/:actionId/versions/:id',
      scopes: ['read:actions'],
      async handler({ params }) {
        const version = versionsOf(params.actionId).find((v) => v.id === params.id);
        if (version === undefined) throw new ManagementError(404, 'The action version does not exist.', 'not_found');
        return { status: 200, body: version };
      },
    },
  ];
}
