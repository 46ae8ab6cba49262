/**
 * POSTs `body` as JSON to `path` of a tenant (relative to its issuer) and reads the answer as JSON: the shape
 * of the tenant's JSON endpoints (`/dbconnections/*`, `/oauth/token` with a JSON body) that tests call.
 */
export async function postJson<T = Record<string, unknown>>(
  tenant: { issuer: string },
  path: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: T }> {
  const response = await fetch(new URL(path, tenant.issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: JSON.parse(text) as T };
}
