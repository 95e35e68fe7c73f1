/**
 * The admin page's script (admin/page.tsx inlines it with the CSP nonce). Bundled and minified
 * by `npm run build:admin` into admin/generated/client.js.ts; a test fails when that is stale.
 */
import { PROVIDERS } from "./state";
import { applyPreset, showProvider } from "./wizard";
import { loadIntegrations, loadPrincipal } from "./integrations";
import { loadTokens } from "./tokens";

PROVIDERS.forEach(function (p) {
  applyPreset(p.id, true);
});
showProvider();
loadPrincipal();
loadIntegrations().then(loadTokens);
