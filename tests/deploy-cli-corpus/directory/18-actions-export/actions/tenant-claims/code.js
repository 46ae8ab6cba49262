exports.onExecutePostLogin = async (event, api) => {
  const ns = event.secrets.NAMESPACE;
  api.idToken.setCustomClaim(`${ns}/tenant`, event.tenant.id);
  if (event.organization) {
    api.accessToken.setCustomClaim(`${ns}/org`, event.organization.name);
  }
};
