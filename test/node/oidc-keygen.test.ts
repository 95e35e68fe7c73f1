/**
 * `npm run oidc:keygen`: the private key goes to `wrangler secret put` on stdin and nowhere
 * else; --rotate keeps the running issuer's current public key as OIDC_SIGNING_KEY_PREVIOUS.
 * wrangler is replaced by a script that records what it was given.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { parseSigningJwk } from "../../worker/oidc/signing-key";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX = join(ROOT, "node_modules", ".bin", "tsx");

let dir: string;
let server: Server | null = null;
afterEach(() => {
  server?.close();
  server = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function fakeWrangler(): string {
  dir = mkdtempSync(join(tmpdir(), "keygen-"));
  const bin = join(dir, "wrangler");
  // args: secret put NAME [--env E]; the value arrives on stdin.
  writeFileSync(bin, `#!/bin/sh\necho "$*" >> "${dir}/calls"\ncat > "${dir}/$3"\n`);
  chmodSync(bin, 0o755);
  return bin;
}

function run(args: string[], wrangler: string): Promise<{ code: number; out: string }> {
  return new Promise((done, fail) => {
    const child = spawn(TSX, [join(ROOT, "scripts/oidc-keygen.ts"), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, WRANGLER: wrangler },
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill(), 30_000);
    child.once("error", fail);
    child.once("exit", (code) => {
      clearTimeout(timer);
      done({ code: code ?? -1, out });
    });
  });
}

function jwksServer(keys: unknown[]): Promise<string> {
  return new Promise((ready) => {
    server = createServer((req, res) => {
      if (req.url !== "/.well-known/jwks.json") return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys }));
    });
    server.listen(0, "127.0.0.1", () => {
      const a = server!.address();
      ready(`http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}`);
    });
  });
}

describe("oidc:keygen", () => {
  for (const alg of ["ES256", "RS256"] as const) {
    it(`${alg}: stores a private JWK signpost accepts, prints only its public half`, async () => {
      const bin = fakeWrangler();
      const { code, out } = await run(["--alg", alg, "--env", "production"], bin);
      expect(code, out).toBe(0);
      expect(readFileSync(join(dir, "calls"), "utf8").trim()).toBe("secret put OIDC_SIGNING_KEY --env production");
      const stored = readFileSync(join(dir, "OIDC_SIGNING_KEY"), "utf8");
      const parsed = parseSigningJwk(stored, true);
      expect(parsed.alg).toBe(alg);
      expect(parsed.kid).toMatch(/^signpost-\d{8}-[0-9a-f]{8}$/);
      const d = (JSON.parse(stored) as { d: string }).d;
      expect(out).not.toContain(d);
      expect(out).toContain(parsed.kid);
      expect(out).toContain(parsed.publicJwk[alg === "ES256" ? "x" : "n"]!);
    });
  }

  it("--rotate publishes the running issuer's current public key as the previous one, then stores a new key", async () => {
    const bin = fakeWrangler();
    const current = {
      kty: "EC",
      crv: "P-256",
      x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
      y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
      kid: "old-key",
      alg: "ES256",
      use: "sig",
    };
    const other = { ...current, kid: "older-key" };
    const issuer = await jwksServer([current, other]);
    const { code, out } = await run(["--rotate", "--issuer", issuer], bin);
    expect(code, out).toBe(0);
    expect(readFileSync(join(dir, "calls"), "utf8").trim().split("\n")).toEqual(["secret put OIDC_SIGNING_KEY_PREVIOUS", "secret put OIDC_SIGNING_KEY"]);
    const previous = parseSigningJwk(readFileSync(join(dir, "OIDC_SIGNING_KEY_PREVIOUS"), "utf8"), false);
    expect(previous.kid).toBe("old-key");
    expect(previous.privateJwk).toBeNull();
    const next = parseSigningJwk(readFileSync(join(dir, "OIDC_SIGNING_KEY"), "utf8"), true);
    expect(next.kid).not.toBe("old-key");
    expect(out).toContain("wrangler secret delete OIDC_SIGNING_KEY_PREVIOUS");
  });

  it("--rotate stores nothing when the issuer cannot be read", async () => {
    const bin = fakeWrangler();
    const issuer = await jwksServer([]);
    const { code, out } = await run(["--rotate", "--issuer", issuer], bin);
    expect(code).toBe(1);
    expect(out).toContain("publishes no key");
    expect(existsSync(join(dir, "calls"))).toBe(false);
  });
});
