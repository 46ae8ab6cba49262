/**
 * Handler that will be called during the execution of a Client Credentials exchange.
 *
 * Adds the name of the calling application to its machine-to-machine access tokens, so that the API it
 * calls can log who called without looking the client id up.
 *
 * @param {Event} event - Details about client credentials grant request.
 * @param {CredentialsExchangeAPI} api - Interface whose methods can be used to change the behavior of client credentials grant.
 */
exports.onExecuteCredentialsExchange = async (event, api) => {
  api.accessToken.setCustomClaim(`${event.secrets.CLAIM_NAMESPACE}client_name`, event.client.name);
};
