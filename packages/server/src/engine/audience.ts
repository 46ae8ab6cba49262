/**
 * Auth0 API identifiers are arbitrary strings (`my-api`, `https://api.example.com`), while RFC 8707
 * resource indicators, which oidc-provider uses for audiences, must be absolute URIs without a fragment.
 * Every audience is therefore carried through the engine wrapped in one URN namespace and unwrapped when
 * a token is built. Wrapping every value (not only the non-URLs) keeps the mapping total and reversible.
 */
const PREFIX = 'urn:authmesh:audience:';

/** Wraps an Auth0 audience into a resource indicator the engine accepts. */
export function audienceToResource(audience: string): string {
  return PREFIX + encodeURIComponent(audience);
}

/** The Auth0 audience inside a wrapped resource indicator, or undefined when it was not wrapped by us. */
export function resourceToAudience(resource: string): string | undefined {
  if (!resource.startsWith(PREFIX)) return undefined;
  try {
    return decodeURIComponent(resource.slice(PREFIX.length));
  } catch {
    return undefined;
  }
}
