/**
 * Handler that will be called during the execution of a PostLogin flow.
 *
 * Adds the user's roles to the ID token (for the SPA to show) and to the access token (for the APIs), under
 * a namespace: Auth0 drops custom claims without one that collide with OIDC's, and namespaced claims are
 * the documented way to add your own.
 *
 * @param {Event} event - Details about the user and the context in which they are logging in.
 * @param {PostLoginAPI} api - Interface whose methods can be used to change the behavior of the login.
 */
exports.onExecutePostLogin = async (event, api) => {
  const namespace = event.secrets.CLAIM_NAMESPACE;
  const roles = event.authorization?.roles ?? [];
  api.idToken.setCustomClaim(`${namespace}roles`, roles);
  api.accessToken.setCustomClaim(`${namespace}roles`, roles);
};
