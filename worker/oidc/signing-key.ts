/**
 * signpost's OpenID Connect signing keys: the private JWK of OIDC_SIGNING_KEY (RS256 or
 * ES256), parsed and checked without I/O, imported with WebCrypto, and its public half for the
 * JWKS. Imports nothing from the rest of the Worker.
 */

export type OidcAlg = "RS256" | "ES256";

export interface ParsedJwk {
  kid: string;
  alg: OidcAlg;
  /** Public members only (kty, n/e or crv/x/y): what the JWKS publishes. */
  publicJwk: Record<string, string>;
  /** Private members too; null when the value holds only a public key. */
  privateJwk: Record<string, string> | null;
}

const PUBLIC_MEMBERS: Record<OidcAlg, string[]> = { RS256: ["kty", "n", "e"], ES256: ["kty", "crv", "x", "y"] };
const PRIVATE_MEMBERS: Record<OidcAlg, string[]> = { RS256: ["d", "p", "q", "dp", "dq", "qi"], ES256: ["d"] };
const B64URL = /^[A-Za-z0-9_-]+$/;

/** A key that cannot be used; the message names the problem, never the key material. */
export class SigningKeyError extends Error {}

/**
 * Parses the JSON text of a JWK. `needPrivate`: the value must hold the private key (the
 * current signing key); otherwise a public key is enough (a previous key is only published).
 */
export function parseSigningJwk(text: string, needPrivate: boolean): ParsedJwk {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new SigningKeyError("is not the JSON text of a JWK");
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new SigningKeyError("is not a JWK object");
  const jwk = v as Record<string, unknown>;
  const kid = jwk.kid;
  if (typeof kid !== "string" || !/^[\x21-\x7e]{1,128}$/.test(kid)) throw new SigningKeyError('has no "kid" (1..128 printable characters)');
  const alg = jwk.alg;
  if (alg !== "RS256" && alg !== "ES256") throw new SigningKeyError('must have "alg" "RS256" or "ES256"');
  if (alg === "RS256" && jwk.kty !== "RSA") throw new SigningKeyError('with alg RS256 must have "kty" "RSA"');
  if (alg === "ES256" && (jwk.kty !== "EC" || jwk.crv !== "P-256")) throw new SigningKeyError('with alg ES256 must have "kty" "EC" and "crv" "P-256"');
  const publicJwk: Record<string, string> = {};
  for (const m of PUBLIC_MEMBERS[alg]) {
    const x = jwk[m];
    if (typeof x !== "string" || (m !== "kty" && m !== "crv" && !B64URL.test(x))) throw new SigningKeyError(`lacks the "${m}" member`);
    publicJwk[m] = x;
  }
  if (alg === "RS256" && publicJwk.n!.length < 342) throw new SigningKeyError("is an RSA key shorter than 2048 bits");
  let privateJwk: Record<string, string> | null = null;
  if (typeof jwk.d === "string") {
    privateJwk = { ...publicJwk };
    for (const m of PRIVATE_MEMBERS[alg]) {
      const x = jwk[m];
      if (typeof x !== "string" || !B64URL.test(x)) throw new SigningKeyError(`lacks the private "${m}" member`);
      privateJwk[m] = x;
    }
  } else if (needPrivate) {
    throw new SigningKeyError('holds no private key ("d")');
  }
  return { kid, alg, publicJwk, privateJwk };
}

/** The JWKS entry of a key: public members, kid, alg, use. */
export function publishedJwk(k: ParsedJwk): Record<string, string> {
  return { ...k.publicJwk, kid: k.kid, alg: k.alg, use: "sig" };
}

const ALGORITHMS: Record<OidcAlg, { import: SubtleCryptoImportKeyAlgorithm; sign: SubtleCryptoSignAlgorithm }> = {
  RS256: { import: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, sign: { name: "RSASSA-PKCS1-v1_5" } },
  ES256: { import: { name: "ECDSA", namedCurve: "P-256" }, sign: { name: "ECDSA", hash: "SHA-256" } },
};

export interface SigningKey {
  kid: string;
  alg: OidcAlg;
  key: CryptoKey;
}

/** Imports the private half for signing (non-extractable). */
export async function importSigningKey(k: ParsedJwk): Promise<SigningKey> {
  if (!k.privateJwk) throw new SigningKeyError('holds no private key ("d")');
  try {
    const key = await crypto.subtle.importKey("jwk", k.privateJwk as unknown as JsonWebKey, ALGORITHMS[k.alg].import, false, ["sign"]);
    return { kid: k.kid, alg: k.alg, key };
  } catch {
    throw new SigningKeyError("cannot be imported (its members do not form a valid key)");
  }
}

export function signatureAlgorithm(alg: OidcAlg): SubtleCryptoSignAlgorithm {
  return ALGORITHMS[alg].sign;
}
