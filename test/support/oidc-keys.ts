/** Signing keys for tests, made at run time (no private key is committed). */
import { exportJWK, generateKeyPair } from "jose";

export async function newSigningJwk(kid: string, alg: "RS256" | "ES256" = "ES256"): Promise<Record<string, unknown>> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg };
}

export function publicOnly(jwk: Record<string, unknown>): Record<string, unknown> {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
  return pub;
}

export const ISSUER = "https://signpost.test";

/** The variables that make the test Worker an issuer with `current` (and `previous`). */
export function oidcVars(current: Record<string, unknown>, previous?: Record<string, unknown>): Record<string, string> {
  return {
    OIDC_ISSUER: ISSUER,
    OIDC_SIGNING_KEY: JSON.stringify(current),
    ...(previous ? { OIDC_SIGNING_KEY_PREVIOUS: JSON.stringify(previous) } : {}),
  };
}
