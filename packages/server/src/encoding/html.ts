/** Escapes text for HTML element content and double-quoted attribute values. */
function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A tagged template for HTML where every interpolated value is escaped unless it is `raw(...)`. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Raw {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += value instanceof Raw ? value.value : escapeHtml(String(value ?? ''));
    out += strings[i + 1] ?? '';
  });
  return new Raw(out);
}

export class Raw {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

export const raw = (value: string): Raw => new Raw(value);

/**
 * The one page layout of the tenant: system fonts, no external resources, no JavaScript, so pages load
 * offline, work without JavaScript, and a strict CSP (`default-src 'none'`) can apply.
 */
export function page(title: string, body: Raw): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title}</title>
<style>${raw(STYLE)}</style>
</head>
<body>
<main class="card">
${body}
</main>
<p class="footer">Local tenant served by authmesh</p>
</body>
</html>`.value;
}

const STYLE = `
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#59636e;--bg:#f3f4f6;--card:#fff;--line:#d0d7de;--accent:#3b5bdb;--accent-fg:#fff;--error:#c92a2a}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--card:#161b22;--line:#30363d;--accent:#4c6ef5;--error:#ff6b6b}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;flex-direction:column;align-items:center;justify-content:center;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;padding:24px}
.card{width:100%;max-width:400px;background:var(--card);border:1px solid var(--line);border-radius:12px;padding:32px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h1{font-size:1.4rem;margin:0 0 4px}
.lead{color:var(--muted);margin:0 0 24px}
label{display:block;font-weight:600;font-size:.9rem;margin:16px 0 6px}
input{width:100%;padding:10px 12px;font:inherit;color:inherit;background:transparent;border:1px solid var(--line);border-radius:8px}
input:focus{outline:2px solid var(--accent);outline-offset:1px;border-color:var(--accent)}
button{width:100%;margin-top:16px;padding:11px;font:inherit;font-weight:600;color:var(--accent-fg);background:var(--accent);border:0;border-radius:8px;cursor:pointer}
button.secondary{color:var(--fg);background:transparent;border:1px solid var(--line)}
.alert{border:1px solid var(--error);color:var(--error);border-radius:8px;padding:10px 12px;margin:0 0 8px}
.meta{color:var(--muted);font-size:.85rem;margin-top:20px;word-break:break-word}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85em}
.footer{color:var(--muted);font-size:.8rem;margin-top:16px}
.connections a,a.button{display:block;margin-top:10px;padding:10px;text-align:center;color:var(--fg);border:1px solid var(--line);border-radius:8px;text-decoration:none}
.outbox li{margin:12px 0;border-top:1px solid var(--line);padding-top:12px}
`;
