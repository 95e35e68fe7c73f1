import { wellKnownResponses } from "../../../worker/schemas/well-known";
import type { Surface } from "../document";

const r = wellKnownResponses();
const notIssuer = "This deployment is not an OpenID Connect issuer (OIDC_ISSUER and OIDC_SIGNING_KEY unset): 404 `not_found`.";

export const wellKnown: Surface = {
  name: "OpenID Connect issuer",
  description: "Keyless identity: the clouds fetch these to verify signpost's short-lived tokens. Public, cacheable.",
  operations: [
    {
      method: "get",
      path: "/.well-known/openid-configuration",
      summary: "OpenID Connect discovery document",
      description: notIssuer,
      auth: "none",
      responses: { 200: { description: "The issuer's metadata.", json: { name: "OpenIdConfiguration", schema: r.openidConfiguration } } },
      errors: ["not_found"],
    },
    {
      method: "get",
      path: "/.well-known/jwks.json",
      summary: "The issuer's public keys",
      description: notIssuer,
      auth: "none",
      responses: { 200: { description: "Public JWKs, each with its `kid` (the previous key too during a rotation).", json: { name: "Jwks", schema: r.jwks } } },
      errors: ["not_found"],
    },
  ],
};
