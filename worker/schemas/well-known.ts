/** /.well-known/*: signpost's OpenID Connect issuer documents (SPEC "Keyless identity"). */
import * as z from "zod/mini";

/** What the routes answer, for the OpenAPI document only: a function, so the Worker bundle leaves it out. */
export function wellKnownResponses() {
  return {
    openidConfiguration: z.looseObject({
      issuer: z.string(),
      jwks_uri: z.string(),
      response_types_supported: z.array(z.string()),
      subject_types_supported: z.array(z.string()),
      id_token_signing_alg_values_supported: z.array(z.string()),
    }),
    jwks: z.object({ keys: z.array(z.looseObject({ kty: z.string(), kid: z.string(), alg: z.optional(z.string()), use: z.optional(z.string()) })) }),
  };
}
