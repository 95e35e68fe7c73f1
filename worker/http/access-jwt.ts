/**
 * Cloudflare Access JWTs (Cf-Access-Jwt-Assertion): RS256, verified against the team's
 * certs (https://{team}/cdn-cgi/access/certs, cached), with issuer, audience and time checked.
 */
import { outboundFetch } from "../lib/outbound";

const decoder = new TextDecoder();

interface Jwk {
  kid: string;
  kty: string;
  n: string;
  e: string;
  alg?: string;
}

interface CertCache {
  at: number;
  keys: Map<string, Promise<CryptoKey>>;
}

const CERTS = new Map<string, CertCache>();
const CERTS_TTL_MS = 60 * 60_000;
const REFETCH_MIN_MS = 60_000;

export interface AccessClaims {
  sub?: string;
  email?: string;
  iss: string;
  aud: string | string[];
  exp: number;
  nbf?: number;
}

export function teamOrigin(teamDomain: string): string {
  const host = teamDomain.replace(/^https?:\/\//, "").replace(/\/.*$/, "");
  return `https://${host}`;
}

function b64urlBytes(s: string): Uint8Array {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

async function keysFor(origin: string, forceRefresh: boolean): Promise<Map<string, Promise<CryptoKey>>> {
  const cached = CERTS.get(origin);
  if (cached && !forceRefresh && Date.now() - cached.at < CERTS_TTL_MS) return cached.keys;
  const res = await outboundFetch(`${origin}/cdn-cgi/access/certs`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`Access certs: HTTP ${res.status}`);
  const body = (await res.json()) as { keys?: Jwk[] };
  const keys = new Map<string, Promise<CryptoKey>>();
  for (const jwk of body.keys ?? []) {
    if (jwk.kty !== "RSA" || !jwk.kid) continue;
    keys.set(
      jwk.kid,
      crypto.subtle.importKey("jwk", { kty: "RSA", n: jwk.n, e: jwk.e, alg: "RS256", ext: true }, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, [
        "verify",
      ]),
    );
  }
  CERTS.set(origin, { at: Date.now(), keys });
  return keys;
}

/** The verified claims, or null for anything that is not a valid token for this team and audience. */
export async function verifyAccessJwt(token: string, teamDomain: string, aud: string, now = Date.now()): Promise<AccessClaims | null> {
  try {
    const parts = token.split(".");
    if (parts.length !== 3) return null;
    const header = JSON.parse(decoder.decode(b64urlBytes(parts[0]!))) as { alg?: string; kid?: string };
    if (header.alg !== "RS256" || !header.kid) return null;
    const origin = teamOrigin(teamDomain);
    let keys = await keysFor(origin, false);
    // Keys rotate: an unknown kid refetches the certs, at most once a minute per team, so
    // tokens with made-up kids cannot turn every request into an outbound fetch.
    if (!keys.has(header.kid) && Date.now() - (CERTS.get(origin)?.at ?? 0) > REFETCH_MIN_MS) keys = await keysFor(origin, true);
    const key = keys.get(header.kid);
    if (!key) return null;
    const ok = await crypto.subtle.verify("RSASSA-PKCS1-v1_5", await key, b64urlBytes(parts[2]!), new TextEncoder().encode(`${parts[0]}.${parts[1]}`));
    if (!ok) return null;
    const claims = JSON.parse(decoder.decode(b64urlBytes(parts[1]!))) as AccessClaims;
    const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (claims.iss !== origin || !auds.includes(aud)) return null;
    const t = now / 1000;
    if (typeof claims.exp !== "number" || claims.exp <= t) return null;
    if (typeof claims.nbf === "number" && claims.nbf > t + 60) return null;
    return claims;
  } catch {
    return null;
  }
}
