/// <reference types="node" />
/**
 * The fake AWS (scripts/fakes/aws/) as a real HTTP server on 127.0.0.1, for the local dev
 * stack, browser tests and benchmarks. One origin serves path-style S3 and STS (a form POST
 * to `/` with an `Action`); signatures are verified against the Host header as received.
 *
 * Control API (JSON, no auth; the server only listens on loopback):
 *   POST /__fake/principals        PrincipalInit
 *   POST /__fake/roles             RoleInit (with `webIdentity` for keyless roles)
 *   POST /__fake/oidc-providers    { account, url, clientIds }: an IAM OIDC provider; STS fetches
 *                                  the issuer's discovery document and JWKS over HTTP
 *   GET  /__fake/web-identity-calls  { calls: WebIdentityCall[] }
 *   POST /__fake/buckets           SeedBucket (objects as UTF-8 strings or { base64, contentType })
 *   PUT  /__fake/objects/{bucket}/{key}   raw body; Content-Type is kept
 *   PUT  /__fake/cors/{bucket}     { CORSRules: CorsRule[] } (the put-bucket-cors shape) or the bare array; [] removes
 *   POST /__fake/fail              { service: "sts"|"s3", n, kind }
 *   GET  /__fake/calls             { calls: CallRecord[] }
 *   POST /__fake/reset             back to the seed the server started with
 *   POST /__fake/clock             { now?: epoch ms, offsetMs?: ms } (empty body: real time)
 *   POST /__fake/quirks            { fractionalExpiration?, wrappedSessionToken? }
 *   GET  /__fake/health            { ok: true }
 *
 * Run directly: `tsx scripts/fake-aws-server.ts [--port 4599] [--seed seed.json]`.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import {
  FakeAws,
  FakeNetworkError,
  applySeed,
  type CorsRule,
  type FakeSeed,
  type FaultKind,
  type PrincipalInit,
  type RoleInit,
  type SeedBucket,
} from "./fakes/aws";
import { closeServer, readBody, sendResponse, toFetchRequest } from "./http-bridge";

export interface FakeAwsServer {
  /** `http://127.0.0.1:{port}`: use it as both the STS and the S3 endpoint. */
  url: string;
  fake: FakeAws;
  close(): Promise<void>;
}

export interface FakeAwsServerOptions {
  /** 0 (default) picks any free port. */
  port?: number;
  seed?: FakeSeed;
}

class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startFakeAwsServer(opts: FakeAwsServerOptions = {}): Promise<FakeAwsServer> {
  const fake = new FakeAws();
  const seed = opts.seed ?? {};
  applySeed(fake, seed);
  const server = createServer((req, res) => {
    const handler = (req.url ?? "").startsWith("/__fake/") ? control(fake, seed, req, res) : proxy(fake, req, res);
    handler.catch((err: unknown) => {
      console.error("fake-aws server:", err);
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, fake, close: () => closeServer(server) };
}

// ---- AWS traffic --------------------------------------------------------------------------

async function proxy(fake: FakeAws, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const request = await toFetchRequest(req, res);
  let response: Response;
  try {
    response = await fake.handle(request, { customEndpoint: true });
  } catch (err) {
    if (err instanceof FakeNetworkError || request.signal.aborted) {
      req.socket.destroy();
      return;
    }
    throw err;
  }
  await sendResponse(req, res, response);
}

// ---- control API --------------------------------------------------------------------------

async function control(fake: FakeAws, seed: FakeSeed, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const route = `${req.method} ${url.pathname}`;
  const body = await readBody(req);
  try {
    const result = await controlRoute(fake, seed, route, url, body, req.headers["content-type"]);
    sendJson(res, 200, result ?? { ok: true });
  } catch (err) {
    const status = err instanceof ControlError ? err.status : 400;
    sendJson(res, status, { error: err instanceof Error ? err.message : String(err) });
  }
}

async function controlRoute(fake: FakeAws, seed: FakeSeed, route: string, url: URL, body: Buffer, contentType: string | undefined): Promise<unknown> {
  const json = () => parseJson(body);
  switch (route) {
    case "GET /__fake/health":
      return { ok: true };
    case "POST /__fake/principals":
      applySeed(fake, { principals: [json() as PrincipalInit] });
      return undefined;
    case "POST /__fake/roles":
      applySeed(fake, { roles: [json() as RoleInit] });
      return undefined;
    case "POST /__fake/oidc-providers": {
      const { account, url: issuer, clientIds } = json() as { account?: unknown; url?: unknown; clientIds?: unknown };
      if (typeof account !== "string" || !/^\d{12}$/.test(account)) throw new ControlError(400, "account must be a 12-digit account id");
      if (typeof issuer !== "string" || !/^https?:\/\/[^/]+$/.test(issuer)) throw new ControlError(400, "url must be an issuer origin");
      if (!Array.isArray(clientIds) || !clientIds.every((c) => typeof c === "string")) throw new ControlError(400, "clientIds must be an array of strings");
      return { arn: fake.addOidcProvider({ account, url: issuer, clientIds, fetch: (u) => fetch(u, { signal: AbortSignal.timeout(5000) }) }) };
    }
    case "GET /__fake/web-identity-calls":
      return { calls: fake.webIdentityCalls };
    case "POST /__fake/buckets":
      applySeed(fake, { buckets: [json() as SeedBucket] });
      return undefined;
    case "POST /__fake/fail": {
      const { service, n, kind } = json() as { service?: unknown; n?: unknown; kind?: unknown };
      if (service !== "sts" && service !== "s3") throw new ControlError(400, 'service must be "sts" or "s3"');
      if (typeof n !== "number" || !Number.isInteger(n) || n < 1) throw new ControlError(400, "n must be a positive integer");
      fake.failNext(service, n, faultKind(kind));
      return undefined;
    }
    case "GET /__fake/calls":
      return { calls: fake.calls };
    case "POST /__fake/reset":
      fake.reset();
      fake.now = () => Date.now();
      applySeed(fake, seed);
      return undefined;
    case "POST /__fake/clock": {
      const { now, offsetMs } = (body.length ? json() : {}) as { now?: unknown; offsetMs?: unknown };
      if (typeof now === "number") fake.now = () => now;
      else if (typeof offsetMs === "number") fake.now = () => Date.now() + offsetMs;
      else fake.now = () => Date.now();
      return { now: fake.now() };
    }
    case "POST /__fake/quirks":
      fake.quirks = json() as FakeAws["quirks"];
      return undefined;
  }
  const cors = /^PUT \/__fake\/cors\/([^/]+)$/.exec(route);
  if (cors) {
    const doc = json() as { CORSRules?: unknown } | unknown[];
    const rules = Array.isArray(doc) ? doc : doc?.CORSRules;
    if (!Array.isArray(rules)) throw new ControlError(400, "body must be { CORSRules: [...] } or an array of rules");
    try {
      fake.setBucketCors(decodeURIComponent(cors[1]!), rules as CorsRule[]);
    } catch (e) {
      throw new ControlError(404, e instanceof Error ? e.message : String(e));
    }
    return undefined;
  }
  const object = /^PUT \/__fake\/objects\/([^/]+)\/(.+)$/.exec(route);
  if (object) {
    const key = object[2]!.split("/").map(decodeURIComponent).join("/");
    fake.putObject(decodeURIComponent(object[1]!), key, new Uint8Array(body), contentType);
    return undefined;
  }
  throw new ControlError(404, `no control route ${route}`);
}

function faultKind(kind: unknown): FaultKind {
  if (kind === "throttle" || kind === "500" || kind === "503" || kind === "network" || kind === "hang") return kind;
  if (typeof kind === "object" && kind !== null && typeof (kind as { delayMs?: unknown }).delayMs === "number")
    return { delayMs: (kind as { delayMs: number }).delayMs };
  throw new ControlError(400, 'kind must be "throttle", "500", "503", "network", "hang" or { "delayMs": n }');
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new ControlError(400, "body must be JSON");
  }
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

// ---- command line -------------------------------------------------------------------------

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const port = Number(argValue("--port") ?? 0);
  const seedPath = argValue("--seed");
  const seed = seedPath ? (JSON.parse(readFileSync(seedPath, "utf8")) as FakeSeed) : undefined;
  const server = await startFakeAwsServer({ port, seed });
  console.log(`fake-aws listening on ${server.url}`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
