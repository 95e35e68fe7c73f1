import * as z from "zod/mini";
import type { Surface } from "../document";

const discovery = z.object({
  issuer: z.string(),
  jwks_uri: z.string(),
  response_types_supported: z.array(z.string()),
  subject_types_supported: z.array(z.string()),
  id_token_signing_alg_values_supported: z.array(z.enum(["RS256", "ES256"])),
  claims_supported: z.optional(z.array(z.string())),
});

const jwk = z.object({ kty: z.enum(["RSA", "EC"]), kid: z.string(), alg: z.enum(["RS256", "ES256"]), use: z.literal("sig"), n: z.optional(z.string()), e: z.optional(z.string()), crv: z.optional(z.string()), x: z.optional(z.string()), y: z.optional(z.string()) });
const cacheable = { "Cache-Control": "public, max-age=300" };

export const issuer: Surface = {
  name: "OpenID Connect issuer",
  description: "signpost as its own OIDC issuer (keyless identity): what AWS, Google and Azure fetch to verify signpost's short-lived tokens. Public; 404 not_found when OIDC_ISSUER and OIDC_SIGNING_KEY are not both set.",
  operations: [
    {
      method: "get",
      path: "/.well-known/openid-configuration",
      summary: "The OpenID Connect discovery document",
      auth: "none",
      responses: { 200: { description: "The issuer and its JWKS URL.", json: { name: "OpenIdConfiguration", schema: discovery }, headers: cacheable } },
      errors: ["not_found"],
    },
    {
      method: "get",
      path: "/.well-known/jwks.json",
      summary: "The issuer's public keys",
      description: "The current key first, then the previous one while a rotation is under way (OIDC_SIGNING_KEY_PREVIOUS). Public members only.",
      auth: "none",
      responses: { 200: { description: "The JSON Web Key Set.", json: { name: "JsonWebKeySet", schema: z.object({ keys: z.array(jwk) }) }, headers: cacheable } },
      errors: ["not_found"],
    },
  ],
};
