import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { expiryText, show } from '../format.ts';
import { callTenant, messageOf } from '../http.ts';
import type { ConsoleSystem, InspectResult } from '../types.ts';

function ClaimsTable({
  caption,
  values,
  meanings,
}: {
  caption: string;
  values: Record<string, unknown>;
  meanings: Map<string, string>;
}) {
  return (
    <div className="table-scroll">
      <table className="claims-table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Claim</th>
            <th scope="col">Value</th>
            <th scope="col">What it means here</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(values).map(([name, value]) => (
            <tr key={name} data-testid="claim-row" data-claim={name}>
              <th scope="row">
                <code>{name}</code>
              </th>
              <td>
                <code className="wrap">{show(value)}</code>
              </td>
              <td>{meanings.get(name) ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** What the JOSE header's fields mean (the tenant's explanations cover the claims). */
const HEADER_MEANINGS = new Map([
  ['alg', 'Signature algorithm: this tenant signs with RS256 only; an API must refuse any other (and "none").'],
  ['typ', 'Media type of the token: JWT (or at+jwt for access tokens in RFC 9068 form).'],
  ['kid', "Key id: which of the tenant's published keys (/.well-known/jwks.json) signed the token."],
]);

/**
 * View 3: paste a JWT (or open one from the stream) and see its header and claims explained, whether the
 * tenant's keys verify its signature, when it expires, and whether a chosen API would accept it and why not
 * (the tenant's `/console/api/inspect`, the same verdict as `authmesh explain`).
 */
export function InspectorView({
  initialToken,
  system,
  getToken,
}: {
  initialToken: string | undefined;
  system: ConsoleSystem | undefined;
  getToken: () => Promise<string | undefined>;
}) {
  const [token, setToken] = useState(initialToken ?? '');
  const [audience, setAudience] = useState('');
  const [result, setResult] = useState<InspectResult | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const inspect = useCallback(
    async (jwt: string, forAudience: string) => {
      if (!jwt.trim()) return;
      setBusy(true);
      setError(undefined);
      try {
        const body = { token: jwt.trim(), ...(forAudience ? { audience: forAudience } : {}) };
        setResult(await callTenant<InspectResult>('/console/api/inspect', await getToken(), { method: 'POST', body }));
      } catch (failure) {
        setError(messageOf(failure));
        setResult(undefined);
      } finally {
        setBusy(false);
      }
    },
    [getToken],
  );

  useEffect(() => {
    if (initialToken) {
      setToken(initialToken);
      setAudience('');
      void inspect(initialToken, '');
    }
  }, [initialToken, inspect]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void inspect(token, audience);
  };
  const meanings = new Map((result?.explanations ?? []).map((e) => [e.claim, e.meaning]));
  const apiName = (identifier: string) => system?.apis.find((a) => a.identifier === identifier)?.name;
  const apis = result?.apis ?? system?.apis.map((a) => a.identifier) ?? [];

  return (
    <div className="inspector-view">
      <form onSubmit={submit} className="panel">
        <label htmlFor="token-input">Token (a JWT: access token or ID token)</label>
        <textarea
          id="token-input"
          data-testid="token-input"
          rows={5}
          spellCheck={false}
          value={token}
          placeholder="eyJhbGciOiJSUzI1NiIs…"
          onChange={(event) => setToken(event.currentTarget.value)}
          onPaste={(event) => {
            const pasted = event.clipboardData.getData('text');
            if (pasted) {
              event.preventDefault();
              setToken(pasted);
              void inspect(pasted, audience);
            }
          }}
        />
        <div className="row">
          <label>
            Check it for the API
            <select
              value={audience}
              data-testid="inspect-audience"
              onChange={(event) => {
                const next = event.currentTarget.value;
                setAudience(next);
                if (token.trim()) void inspect(token, next);
              }}
            >
              <option value="">its own audience</option>
              {apis.map((identifier) => (
                <option key={identifier} value={identifier}>
                  {apiName(identifier) ? `${apiName(identifier)} (${identifier})` : identifier}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={busy || !token.trim()} data-testid="inspect">
            Inspect
          </button>
        </div>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {result && (
        <div className="inspect-result" data-testid="inspect-result">
          <section className="panel summary">
            <h2>Summary</h2>
            <p data-testid="signature" data-verified={String(result.signature.verified)}>
              {result.signature.verified ? (
                <strong className="good">Signature verified</strong>
              ) : (
                <strong className="bad">Signature not verified</strong>
              )}
              {result.signature.verified
                ? ` with the tenant's key${result.signature.kid ? ` ${result.signature.kid}` : ''}.`
                : result.signature.reason
                  ? `: ${result.signature.reason}`
                  : '.'}
            </p>
            {result.expiry && (
              <p data-testid="expiry" data-expired={String(result.expiry.expired)}>
                <strong className={result.expiry.expired ? 'bad' : 'good'}>{expiryText(result.expiry)}</strong>
              </p>
            )}
            {result.verdict && (
              <div
                className={`verdict ${result.verdict.accepted ? 'verdict-accepted' : 'verdict-refused'}`}
                data-testid="verdict"
                data-accepted={String(result.verdict.accepted)}
              >
                <p>
                  <strong>{result.verdict.summary}</strong>
                </p>
                {result.verdict.reasons.length > 0 && (
                  <>
                    <h3>Why, and the fix</h3>
                    <ul>
                      {result.verdict.reasons.map((reason) => (
                        <li key={reason}>{reason}</li>
                      ))}
                    </ul>
                  </>
                )}
                {result.verdict.facts.length > 0 && (
                  <>
                    <h3>What the token says</h3>
                    <ul>
                      {result.verdict.facts.map((fact) => (
                        <li key={fact}>{fact}</li>
                      ))}
                    </ul>
                  </>
                )}
              </div>
            )}
          </section>
          {result.header && <ClaimsTable caption="Header" values={result.header} meanings={HEADER_MEANINGS} />}
          {result.claims && <ClaimsTable caption="Claims" values={result.claims} meanings={meanings} />}
        </div>
      )}
    </div>
  );
}
