/**
 * Handler that will be called during the execution of a Client Credentials exchange.
 *
 * @param {Event} event - Details about client credentials grant request.
 * @param {CredentialsExchangeAPI} api - Interface whose methods can be used to change the behavior of client credentials grant.
 */
exports.onExecuteCredentialsExchange = async (event, api) => {
  if (!event.secrets.CLAIM_NAMESPACE) {
    throw new Error('Missing required secret CLAIM_NAMESPACE.');
  }
  const orgId = event.client.metadata && event.client.metadata.org_id;
  if (orgId) {
    console.log(`client ${event.client.client_id} acts for ${orgId}`);
    api.accessToken.setCustomClaim(`${event.secrets.CLAIM_NAMESPACE}/org_id`, orgId);
  }
};
