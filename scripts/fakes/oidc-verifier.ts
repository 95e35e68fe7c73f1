/**
 * How a cloud checks a token from an OpenID Connect issuer it trusts, for the fake clouds
 * (AWS STS, Google STS, Entra): discovery document → JWKS → signature and claims, verified
 * with `jose` (never with signpost's own code). Every refusal has its own reason, so tests
 * can show which check refused a token.
 *
 * Pure Web APIs: runs inside workerd and in Node. `fetch` is how the cloud reaches the
 * issuer: the Worker in-process in workerd tests, real HTTP to `wrangler dev` in Node.
 */
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from "jose";

export type TokenRefusal =
  | "malformed"
  | "alg_not_allowed"
  | "unknown_kid"
  | "bad_signature"
  | "expired"
  | "not_yet_valid"
  | "wrong_issuer"
  | "wrong_audience"
  | "wrong_subject"
  | "missing_claim"
  | "idp_unreachable";

export class TokenRefused extends Error {
  constructor(
    readonly reason: TokenRefusal,
    message: string,
  ) {
    super(message);
  }
}

export type IssuerFetch = (url: string) => Promise<Response>;

export interface VerifyOptions {
  /** The issuer the cloud trusts (its registered provider URL). */
  issuer: string;
  /** Audiences the cloud accepts; omit to leave `aud` to the caller. */
  audiences?: string[];
  fetch: IssuerFetch;
  /** The cloud's clock (epoch ms). */
  now: number;
}

export interface VerifiedToken {
  header: { alg: string; kid: string };
  payload: JWTPayload & { iss: string; sub: string; aud: string | string[]; exp: number; iat: number };
}

const ALGORITHMS = ["RS256", "ES256"];

/** The unverified `iss` of a token (clouds pick the provider by it), or null. */
export function unverifiedIssuer(token: string): string | null {
  try {
    const iss = decodeJwt(token).iss;
    return typeof iss === "string" ? iss : null;
  } catch {
    return null;
  }
}

async function issuerKeys(issuer: string, fetchIt: IssuerFetch): Promise<JSONWebKeySet> {
  try {
    const disc = await fetchIt(issuer.replace(/\/+$/, "") + "/.well-known/openid-configuration");
    if (!disc.ok) throw new Error(`discovery answered ${disc.status}`);
    const doc = (await disc.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (doc.issuer !== issuer) throw new Error(`discovery names issuer ${String(doc.issuer)}`);
    if (typeof doc.jwks_uri !== "string") throw new Error("discovery has no jwks_uri");
    const res = await fetchIt(doc.jwks_uri);
    if (!res.ok) throw new Error(`JWKS answered ${res.status}`);
    const set = (await res.json()) as JSONWebKeySet;
    if (!Array.isArray(set.keys)) throw new Error("JWKS has no keys");
    return set;
  } catch (err) {
    throw new TokenRefused("idp_unreachable", `Could not read the issuer's keys: ${(err as Error).message}`);
  }
}

export async function verifyIdentityToken(token: string, o: VerifyOptions): Promise<VerifiedToken> {
  let header: { alg?: unknown; kid?: unknown };
  try {
    header = decodeProtectedHeader(token);
    decodeJwt(token);
  } catch {
    throw new TokenRefused("malformed", "The token is not a JWT.");
  }
  if (typeof header.alg !== "string" || !ALGORITHMS.includes(header.alg))
    throw new TokenRefused("alg_not_allowed", `Algorithm ${String(header.alg)} is not accepted.`);
  if (typeof header.kid !== "string") throw new TokenRefused("unknown_kid", "The token header has no kid.");
  const set = await issuerKeys(o.issuer, o.fetch);
  if (!set.keys.some((k) => k.kid === header.kid)) throw new TokenRefused("unknown_kid", `The issuer publishes no key ${header.kid}.`);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, createLocalJWKSet(set), {
      issuer: o.issuer,
      algorithms: ALGORITHMS,
      currentDate: new Date(o.now),
      requiredClaims: ["iss", "sub", "aud", "exp", "iat"],
    }));
  } catch (err) {
    if (err instanceof errors.JWTExpired) throw new TokenRefused("expired", "The token has expired.");
    if (err instanceof errors.JWTClaimValidationFailed) {
      if (err.claim === "nbf" || err.claim === "iat") throw new TokenRefused("not_yet_valid", `The token is not valid yet (${err.claim}).`);
      if (err.claim === "iss") throw new TokenRefused("wrong_issuer", "The token's issuer is not the provider's.");
      throw new TokenRefused("missing_claim", `Claim ${err.claim} is missing or invalid.`);
    }
    if (err instanceof errors.JOSEAlgNotAllowed) throw new TokenRefused("alg_not_allowed", "The algorithm is not accepted.");
    throw new TokenRefused("bad_signature", "The token's signature does not verify.");
  }
  const aud = payload.aud!;
  if (o.audiences && !(Array.isArray(aud) ? aud : [aud]).some((a) => o.audiences!.includes(a))) {
    throw new TokenRefused("wrong_audience", `Audience ${JSON.stringify(aud)} is not accepted.`);
  }
  return { header: { alg: header.alg, kid: header.kid }, payload: payload as VerifiedToken["payload"] };
}
