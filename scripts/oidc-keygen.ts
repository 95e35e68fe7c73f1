/// <reference types="node" />
/**
 * `npm run oidc:keygen`: makes signpost's OpenID Connect signing key and stores it with
 * `wrangler secret put OIDC_SIGNING_KEY`, through wrangler's stdin: the private key is never
 * printed, written to disk or passed as an argument. Prints the key id and public key only.
 *
 *   npm run oidc:keygen                      first key (ES256; --alg RS256 for RSA 2048)
 *   npm run oidc:keygen -- --rotate          new key; the current one stays published
 *   npm run oidc:keygen -- --env production  passes --env to wrangler
 *
 * Rotation: wrangler cannot read a secret back, and the previous key only has to be
 * *published* (tokens it signed live at most 5 minutes). So --rotate fetches the current
 * public key from the running issuer's JWKS ({OIDC_ISSUER}/.well-known/jwks.json, the first
 * key), stores that public JWK as OIDC_SIGNING_KEY_PREVIOUS, then the new private key as
 * OIDC_SIGNING_KEY. Once 10 minutes have passed (token lifetime + JWKS cache), remove it:
 * `npx wrangler secret delete OIDC_SIGNING_KEY_PREVIOUS`.
 *
 * WRANGLER names another wrangler executable (default: the project's).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { webcrypto } from "node:crypto";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));

export type Alg = "ES256" | "RS256";

interface Options {
  alg: Alg;
  rotate: boolean;
  issuer: string | null;
  env: string | null;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { alg: "ES256", rotate: false, issuer: null, env: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--alg") {
      const v = value();
      if (v !== "ES256" && v !== "RS256") throw new Error("--alg must be ES256 or RS256");
      o.alg = v;
    } else if (a === "--rotate") o.rotate = true;
    else if (a === "--issuer") o.issuer = value();
    else if (a === "--env") o.env = value();
    else throw new Error(`unknown argument ${a} (see scripts/oidc-keygen.ts)`);
  }
  return o;
}

/** A new private JWK with `kid` and `alg`. */
export async function generateSigningJwk(alg: Alg, now = new Date()): Promise<Record<string, unknown>> {
  const params =
    alg === "ES256"
      ? { name: "ECDSA", namedCurve: "P-256" }
      : { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
  const pair = (await webcrypto.subtle.generateKey(params, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const jwk = (await webcrypto.subtle.exportKey("jwk", pair.privateKey)) as Record<string, unknown>;
  const stamp = now.toISOString().slice(0, 10).replace(/-/g, "");
  const suffix = Buffer.from(webcrypto.getRandomValues(new Uint8Array(4))).toString("hex");
  const { key_ops: _ops, ext: _ext, ...rest } = jwk;
  return { ...rest, kid: `signpost-${stamp}-${suffix}`, alg };
}

export function publicHalf(jwk: Record<string, unknown>): Record<string, unknown> {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, oth: _oth, key_ops: _ops, ext: _ext, ...pub } = jwk;
  return pub;
}

/** OIDC_ISSUER from wrangler.toml's [vars] (or [env.{name}.vars]), if set there. */
export function issuerFromWranglerToml(toml: string, envName: string | null): string | null {
  const header = envName ? `[env.${envName}.vars]` : "[vars]";
  const start = toml.indexOf(header);
  if (start < 0) return null;
  const section = toml.slice(start + header.length).split(/^\[/m)[0]!;
  return /^\s*OIDC_ISSUER\s*=\s*"([^"]+)"/m.exec(section)?.[1] ?? null;
}

/** The key the issuer signs with now: the first of its JWKS. */
export async function currentPublishedKey(issuer: string): Promise<Record<string, unknown>> {
  const url = issuer.replace(/\/+$/, "") + "/.well-known/jwks.json";
  const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}: is the issuer deployed and OIDC_ISSUER right?`);
  const body = (await res.json()) as { keys?: Array<Record<string, unknown>> };
  const key = body.keys?.[0];
  if (!key || typeof key.kid !== "string") throw new Error(`${url} publishes no key with a kid`);
  return key;
}

function wranglerSecretPut(name: string, value: string, envName: string | null): Promise<void> {
  const bin = process.env.WRANGLER || join(ROOT, "node_modules", ".bin", "wrangler");
  const args = ["secret", "put", name, ...(envName ? ["--env", envName] : [])];
  return new Promise((done, fail) => {
    const child = spawn(bin, args, { stdio: ["pipe", "inherit", "inherit"], cwd: ROOT });
    child.once("error", fail);
    child.once("exit", (code) => (code === 0 ? done() : fail(new Error(`wrangler secret put ${name} exited with ${code}`))));
    child.stdin.end(value);
  });
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const key = await generateSigningJwk(o.alg);
  if (o.rotate) {
    const issuer = o.issuer ?? process.env.OIDC_ISSUER ?? issuerFromWranglerToml(readFileSync(join(ROOT, "wrangler.toml"), "utf8"), o.env);
    if (!issuer) throw new Error("--rotate needs the issuer: pass --issuer https://… or set OIDC_ISSUER in wrangler.toml");
    const current = publicHalf(await currentPublishedKey(issuer));
    console.log(`Keeping ${String(current.kid)} published as OIDC_SIGNING_KEY_PREVIOUS (public key only).`);
    await wranglerSecretPut("OIDC_SIGNING_KEY_PREVIOUS", JSON.stringify(current), o.env);
  }
  await wranglerSecretPut("OIDC_SIGNING_KEY", JSON.stringify(key), o.env);
  console.log(`New signing key ${String(key.kid)} (${o.alg}) stored as OIDC_SIGNING_KEY. Its public key:`);
  console.log(JSON.stringify(publicHalf(key)));
  if (o.rotate) {
    console.log("In 10 minutes (token lifetime + JWKS cache), stop publishing the old key: npx wrangler secret delete OIDC_SIGNING_KEY_PREVIOUS");
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: Error) => {
    console.error(`oidc:keygen: ${err.message}`);
    process.exit(1);
  });
}
