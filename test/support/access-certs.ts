/** Cloudflare Access's signing keys endpoint for one team, as a fake-fetch route. */
import type { FetchRoute } from "./fake-fetch";

/** Serves `{ keys: keys() }` at `https://{team}/cdn-cgi/access/certs`. */
export function accessCertsRoute(team: string, keys: () => JsonWebKey[]): FetchRoute {
  return {
    matches: (url) => url.host === team && url.pathname === "/cdn-cgi/access/certs",
    handle: () => Response.json({ keys: keys() }),
  };
}
