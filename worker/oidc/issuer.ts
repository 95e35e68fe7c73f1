/**
 * signpost's OpenID Connect issuer as the Worker serves and uses it: the discovery document,
 * the JWKS (current key first, then the previous one during a rotation), and identity tokens
 * for one integration (`sub` = `integration:{id}`).
 */
import type { Env } from "../env";
import { config, type OidcConfig } from "../config";
import { ApiError } from "../http/errors";
import { importSigningKey, publishedJwk, type SigningKey } from "./signing-key";
import { mintToken } from "./token";

export const JWKS_PATH = "/.well-known/jwks.json";
export const DISCOVERY_PATH = "/.well-known/openid-configuration";

/** `sub` of every token minted for an integration: what each cloud's trust conditions name. */
export function integrationSubject(integrationId: string): string {
  return `integration:${integrationId}`;
}

/** The issuer configuration, or a clear error naming what the operator must set. */
export function requireIssuer(env: Env): OidcConfig {
  const cfg = config(env);
  if (cfg.oidc) return cfg.oidc;
  throw new ApiError(
    "invalid_request",
    `Keyless identity is not configured in this deployment: ${cfg.oidcMissing.join(" and ")} ${cfg.oidcMissing.length > 1 ? "are" : "is"} not set.`,
    "The operator sets the OIDC_ISSUER variable (signpost's https origin) and creates the signing key with `npm run oidc:keygen` (README: Keyless deployment).",
  );
}

export function discoveryDocument(oidc: OidcConfig) {
  const algs = [...new Set([oidc.current.alg, ...(oidc.previous ? [oidc.previous.alg] : [])])];
  return {
    issuer: oidc.issuer,
    jwks_uri: oidc.issuer + JWKS_PATH,
    response_types_supported: ["id_token"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: algs,
    claims_supported: ["iss", "sub", "aud", "exp", "iat", "nbf", "jti"],
  };
}

export function jwks(oidc: OidcConfig) {
  return { keys: [oidc.current, ...(oidc.previous ? [oidc.previous] : [])].map(publishedJwk) };
}

const IMPORTED = new WeakMap<OidcConfig, Promise<SigningKey>>();

function signingKey(oidc: OidcConfig): Promise<SigningKey> {
  let k = IMPORTED.get(oidc);
  if (!k) {
    k = importSigningKey(oidc.current).catch((err) => {
      IMPORTED.delete(oidc);
      throw new ApiError(
        "internal_error",
        `signpost is misconfigured: OIDC_SIGNING_KEY ${(err as Error).message}.`,
        "Create a new key with `npm run oidc:keygen`.",
      );
    });
    IMPORTED.set(oidc, k);
  }
  return k;
}

/**
 * A token for `integrationId` with audience `aud`, valid for at most 5 minutes. The caller
 * sends it to the cloud that asked for `aud` and nowhere else.
 */
export async function mintIntegrationToken(env: Env, integrationId: string, aud: string, opts: { subject?: string; now?: number } = {}): Promise<string> {
  const oidc = requireIssuer(env);
  return mintToken(await signingKey(oidc), { iss: oidc.issuer, sub: opts.subject ?? integrationSubject(integrationId), aud }, { now: opts.now });
}
