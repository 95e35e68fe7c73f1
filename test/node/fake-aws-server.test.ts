/**
 * The fake AWS over real HTTP on loopback: seeded through its control API, driven with
 * smithy-signed requests from Node's fetch, as the dev stack, browser tests and benchmarks use it.
 */
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeAwsServer, type FakeAwsServer } from "../../scripts/fake-aws-server";
import { rfc3986 } from "../../scripts/fakes/aws";

const USER = {
  arn: "arn:aws:iam::111111111111:user/signpost",
  accessKeyId: "AKIASIGNPOSTTEST0001",
  secretAccessKey: "signpost/test/secret/key/0000000000000000",
};
const ROLE = "arn:aws:iam::222222222222:role/labeling";
const EXTERNAL_ID = "signpost-ext-0123456789abcdef0123456789";
const PNG = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex");

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

let server: FakeAwsServer;

beforeAll(async () => {
  server = await startFakeAwsServer({ port: 0, seed: { principals: [USER] } });
});
afterAll(() => server?.close());

async function control(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(server.url + path, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as unknown;
  expect(res.status, JSON.stringify(json)).toBe(200);
  return json;
}

async function stsRequest(creds: Creds, params: Record<string, string>): Promise<Response> {
  const url = new URL(server.url + "/");
  const body = new URLSearchParams({ ...params, Version: "2011-06-15" }).toString();
  const signer = new SignatureV4({ service: "sts", region: "us-east-1", credentials: creds, sha256: Sha256 });
  const signed = await signer.sign(
    new HttpRequest({
      method: "POST",
      protocol: "http:",
      hostname: url.hostname,
      port: +url.port,
      path: "/",
      headers: { host: url.host, "content-type": "application/x-www-form-urlencoded" },
      body,
    }),
  );
  const { host: _host, ...headers } = signed.headers;
  return fetch(url, { method: "POST", headers, body });
}

async function presignedUrl(creds: Creds, bucket: string, key: string, region = "us-east-1"): Promise<string> {
  const url = new URL(server.url);
  const path = `/${bucket}/` + key.split("/").map(rfc3986).join("/");
  const signer = new SignatureV4({ service: "s3", region, credentials: creds, sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const signed = await signer.presign(
    new HttpRequest({
      method: "GET",
      protocol: "http:",
      hostname: url.hostname,
      port: +url.port,
      path,
      query: {},
      headers: { host: url.host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
    }),
    { expiresIn: 300, unsignableHeaders: new Set(["x-amz-content-sha256"]), unhoistableHeaders: new Set(["x-amz-content-sha256"]) },
  );
  const query = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(String(v))}`)
    .join("&");
  return `${server.url}${path}?${query}`;
}

function xmlText(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}>\\s*([\\s\\S]*?)\\s*</${tag}>`).exec(xml)?.[1];
}

describe("fake AWS server", () => {
  it("assumes a role and serves objects through presigned URLs", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await control("POST", "/__fake/roles", {
      arn: ROLE,
      trustedPrincipals: [USER.arn],
      externalId: EXTERNAL_ID,
      policy: {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: ["s3:GetObject", "s3:ListBucket"], Resource: ["arn:aws:s3:::media", "arn:aws:s3:::media/*"] }],
      },
    });
    await control("POST", "/__fake/buckets", {
      name: "media",
      region: "us-east-1",
      objects: { "img/cat.png": { base64: PNG.toString("base64"), contentType: "image/png" } },
    });
    const put = await fetch(`${server.url}/__fake/objects/media/docs/hello%20w%C3%B6rld.txt`, {
      method: "PUT",
      body: "hi there",
      headers: { "content-type": "text/plain" },
    });
    expect(put.status).toBe(200);

    const assumed = await stsRequest(USER, { Action: "AssumeRole", RoleArn: ROLE, RoleSessionName: "node-test", ExternalId: EXTERNAL_ID });
    const xml = await assumed.text();
    expect(assumed.status, xml).toBe(200);
    const creds = { accessKeyId: xmlText(xml, "AccessKeyId")!, secretAccessKey: xmlText(xml, "SecretAccessKey")!, sessionToken: xmlText(xml, "SessionToken")! };
    expect(creds.accessKeyId).toMatch(/^ASIA/);

    const image = await fetch(await presignedUrl(creds, "media", "img/cat.png"));
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await image.arrayBuffer()).equals(PNG)).toBe(true);
    const doc = await fetch(await presignedUrl(creds, "media", "docs/hello wörld.txt"));
    expect(await doc.text()).toBe("hi there");
    const tampered = (await presignedUrl(creds, "media", "img/cat.png")).replace("X-Amz-Expires=300", "X-Amz-Expires=301");
    expect(xmlText(await (await fetch(tampered)).text(), "Code")).toBe("SignatureDoesNotMatch");

    const { calls } = (await control("GET", "/__fake/calls")) as { calls: Array<{ action: string; status: number }> };
    expect(calls.map((c) => `${c.action} ${c.status}`)).toEqual(["AssumeRole 200", "GetObject 200", "GetObject 200", "GetObject 403"]);
  });

  it("injects faults over HTTP: throttling, dropped connections and hangs", async () => {
    await control("POST", "/__fake/fail", { service: "sts", n: 1, kind: "throttle" });
    const throttled = await stsRequest(USER, { Action: "GetCallerIdentity" });
    expect(throttled.status).toBe(400);
    expect(xmlText(await throttled.text(), "Code")).toBe("Throttling");

    await control("POST", "/__fake/fail", { service: "sts", n: 1, kind: "network" });
    await expect(stsRequest(USER, { Action: "GetCallerIdentity" })).rejects.toThrow(TypeError);

    await control("POST", "/__fake/fail", { service: "s3", n: 1, kind: "hang" });
    const started = Date.now();
    await expect(fetch(`${server.url}/media/x`, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2000);

    const ok = await stsRequest(USER, { Action: "GetCallerIdentity" });
    expect(xmlText(await ok.text(), "Arn")).toBe(USER.arn);
  });

  it("resets to its seed and moves its clock", async () => {
    await control("POST", "/__fake/reset");
    expect(((await control("GET", "/__fake/calls")) as { calls: unknown[] }).calls).toEqual([]);
    expect((await stsRequest(USER, { Action: "GetCallerIdentity" })).status).toBe(200);
    const denied = await stsRequest(USER, { Action: "AssumeRole", RoleArn: ROLE, RoleSessionName: "node-test", ExternalId: EXTERNAL_ID });
    expect(denied.status).toBe(403);
    await control("POST", "/__fake/clock", { offsetMs: 20 * 60_000 });
    const skewed = await stsRequest(USER, { Action: "GetCallerIdentity" });
    expect(xmlText(await skewed.text(), "Message")).toMatch(/^Signature expired/);
    await control("POST", "/__fake/clock");
  });

  it("applies a bucket's CORS as S3 does: set per bucket over PUT /__fake/cors, the literal null origin, preflights, Vary", async () => {
    await control("POST", "/__fake/buckets", {
      name: "cors-media",
      region: "us-east-1",
      objects: { "a.png": { base64: PNG.toString("base64"), contentType: "image/png" } },
    });
    const url = `${server.url}/cors-media/a.png`;
    const preflight = (origin: string, headers = "range") =>
      fetch(url, { method: "OPTIONS", headers: { origin, "access-control-request-method": "GET", "access-control-request-headers": headers } });
    // No CORS configuration: S3 refuses every preflight.
    expect((await preflight("https://label.example.com")).status).toBe(403);

    await control("PUT", "/__fake/cors/cors-media", {
      CORSRules: [
        {
          AllowedOrigins: ["https://label.example.com", "null"],
          AllowedMethods: ["GET", "HEAD"],
          AllowedHeaders: ["Range"],
          ExposeHeaders: ["Content-Range"],
          MaxAgeSeconds: 60,
        },
      ],
    });
    for (const origin of ["https://label.example.com", "null"]) {
      const ok = await preflight(origin);
      expect(ok.status, origin).toBe(200);
      expect(ok.headers.get("access-control-allow-origin")).toBe(origin);
      expect(ok.headers.get("access-control-allow-headers")).toBe("range");
      expect(ok.headers.get("vary")).toContain("Origin");
    }
    expect((await preflight("https://other.example.com")).status).toBe(403);
    expect((await preflight("null", "range, x-custom")).status).toBe(403);
    // Actual requests get the headers when a rule matches (even on an error answer), and none otherwise.
    const unsigned = await fetch(url, { headers: { origin: "null" } });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get("access-control-allow-origin")).toBe("null");
    expect(unsigned.headers.get("access-control-expose-headers")).toBe("Content-Range");
    expect((await fetch(url, { headers: { origin: "https://other.example.com" } })).headers.get("access-control-allow-origin")).toBeNull();

    // The console's bare array works too; a wildcard rule answers `*`, also to null.
    await control("PUT", "/__fake/cors/cors-media", [{ AllowedOrigins: ["*"], AllowedMethods: ["GET"], AllowedHeaders: ["*"] }]);
    expect((await preflight("null", "range, x-custom")).headers.get("access-control-allow-origin")).toBe("*");
    await control("PUT", "/__fake/cors/cors-media", []);
    expect((await preflight("null")).status).toBe(403);
    const missing = await fetch(`${server.url}/__fake/cors/no-such-bucket`, { method: "PUT", headers: { "content-type": "application/json" }, body: "[]" });
    expect(missing.status).toBe(404);
  });

  it("runs from the command line and prints its URL", async () => {
    const script = fileURLToPath(new URL("../../scripts/fake-aws-server.ts", import.meta.url));
    const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
    const child = spawn(tsx, [script, "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          if (out.includes("\n")) resolve(out.trim());
        });
        child.once("exit", (code) => reject(new Error(`exited with ${code}`)));
      });
      const m = /^fake-aws listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(await (await fetch(`${m![1]}/__fake/health`)).json()).toEqual({ ok: true });
    } finally {
      child.kill("SIGTERM");
    }
  });
});
