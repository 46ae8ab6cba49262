/**
 * The one script the engine (oidc-provider 9.13.3, `lib/response_modes/form_post.js`) inlines in the
 * pages it renders itself: `response_mode=form_post` answers and `/oidc/logout` without a session. It
 * submits the page's first form. The page policy (http/security-headers.ts) allows exactly this text by
 * hash, and the logout page reuses it to end a session the caller proved it knows (logout-pages.ts). The
 * browser suite (tests/e2e/form-post-and-logout.test.ts) fails if an engine upgrade changes the text.
 */
export const ENGINE_AUTO_SUBMIT_SCRIPT = `
    document.addEventListener('DOMContentLoaded', function () { document.forms[0].submit() });
  `;
