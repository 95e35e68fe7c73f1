/**
 * Minting signpost's identity tokens (compact JWS, WebCrypto): `iss`, `sub`, `aud`, `iat`,
 * `nbf`, `exp` (at most 5 minutes after `iat`), `jti`, and the key's `kid` in the header.
 * A token is a credential: callers send it to the cloud and nowhere else (never logged,
 * never returned). Imports nothing from the rest of the Worker.
 */
import { base64UrlEncode } from "../lib/bytes";
import { signatureAlgorithm, type SigningKey } from "./signing-key";

/** Longest lifetime of a token, in seconds. */
export const MAX_TOKEN_LIFETIME_SECONDS = 300;

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string;
}

export interface MintOptions {
  /** Epoch ms; defaults to Date.now(). */
  now?: number;
  /** Seconds, 1..300 (default 300). */
  lifetimeSeconds?: number;
}

const utf8 = new TextEncoder();

function randomJti(): string {
  return base64UrlEncode(crypto.getRandomValues(new Uint8Array(18)));
}

export async function mintToken(key: SigningKey, claims: TokenClaims, opts: MintOptions = {}): Promise<string> {
  const lifetime = opts.lifetimeSeconds ?? MAX_TOKEN_LIFETIME_SECONDS;
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > MAX_TOKEN_LIFETIME_SECONDS) {
    throw new RangeError(`token lifetime must be 1..${MAX_TOKEN_LIFETIME_SECONDS} seconds`);
  }
  const iat = Math.floor((opts.now ?? Date.now()) / 1000);
  const header = { alg: key.alg, typ: "JWT", kid: key.kid };
  const payload = { iss: claims.iss, sub: claims.sub, aud: claims.aud, iat, nbf: iat, exp: iat + lifetime, jti: randomJti() };
  const input = `${base64UrlEncode(JSON.stringify(header))}.${base64UrlEncode(JSON.stringify(payload))}`;
  const signature = await crypto.subtle.sign(signatureAlgorithm(key.alg), key.key, utf8.encode(input));
  return `${input}.${base64UrlEncode(new Uint8Array(signature))}`;
}
