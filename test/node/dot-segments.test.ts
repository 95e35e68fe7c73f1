/**
 * Dot segments over real HTTP (wrangler dev), sent with node:http, which puts the request target
 * on the wire exactly as written. What the README's "Keys" rules state:
 *  - in a `url=` URL, a `.`/`..` segment in any spelling (`..`, `%2e%2e`, `.%2e`, `%2E`, …) is 400
 *    invalid_key: signpost parses that URL itself;
 *  - in the request path, the platform's URL parser (workerd, Cloudflare's edge, and every
 *    browser before it) resolves such segments before any Worker code runs, so
 *    `/v1/assets/…/b/x/%2e%2e/plain.jpg` is a request for `b/plain.jpg`, never a signed
 *    `b/x/../plain.jpg`;
 *  - dot segments hidden inside one path segment (`x%2F..%2F`, `x%2F%2e%2e%2F`) reach signpost
 *    and are 400 invalid_key.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PRINCIPAL_ARN, startLocalStack, type LocalStack } from "../../scripts/local-stack";

const ROLE_ARN = "arn:aws:iam::444455556666:role/signpost-dots";
const BUCKET = "dots-bucket";
let stack: LocalStack;
let id = "";

async function admin(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${stack.url}/admin/api${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function control(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${stack.fakeAws.url}/__fake/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  if (!res.ok) throw new Error(`fake control ${path}: ${res.status} ${await res.text()}`);
}

/** GET with the request target exactly as given (no client-side normalisation). */
function rawGet(path: string): Promise<{ status: number; location: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: stack.port, path, method: "GET", timeout: 10_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }));
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  stack = await startLocalStack();
  const integ = await admin("POST", "/integrations", { name: "dots", region: "us-east-1", scopes: [BUCKET] });
  id = integ.id;
  await control("roles", { arn: ROLE_ARN, trustedPrincipals: [PRINCIPAL_ARN], externalId: integ.externalId, policy: integ.permissionsPolicy });
  await control("buckets", { name: BUCKET, region: "us-east-1", objects: { "plain.jpg": "P", "b/plain.jpg": "BP" } });
  await admin("PATCH", `/integrations/${id}`, { roleArn: ROLE_ARN });
});

afterAll(async () => {
  await stack?.stop();
});

describe("dot segments in every spelling", () => {
  it("a plain key still redirects", async () => {
    const res = await rawGet(`/v1/assets/${id}/${BUCKET}/b/plain.jpg`);
    expect(res.status).toBe(302);
    expect(new URL(res.location!).pathname).toMatch(/\/b\/plain\.jpg$/);
  });

  for (const seg of ["%2e%2e", "%2E%2E", ".%2e", "%2e.", "..", "%2E", "%2e", "."]) {
    const up = seg.replace(/%2e/gi, ".") === "..";
    it(`/v1/redirect?url=…/b/x/${seg}/plain.jpg → 400 invalid_key`, async () => {
      const url = `https://${BUCKET}.s3.us-east-1.amazonaws.com/b/x/${seg}/plain.jpg`;
      const res = await rawGet(`/v1/redirect?url=${encodeURIComponent(url)}&integration=${id}`);
      expect(res.status, res.body).toBe(400);
      expect(JSON.parse(res.body).error.code).toBe("invalid_key");
    });

    it(`/v1/assets/…/b/x/${seg}/plain.jpg is resolved by the platform, as a browser would: ${up ? "b/plain.jpg" : "b/x/plain.jpg"}`, async () => {
      const res = await rawGet(`/v1/assets/${id}/${BUCKET}/b/x/${seg}/plain.jpg`);
      expect(res.status, res.body).toBe(302);
      const path = new URL(res.location!).pathname;
      expect(path).toBe(`/${BUCKET}/${up ? "b/plain.jpg" : "b/x/plain.jpg"}`);
      expect(path).not.toMatch(/\/\.\.?\/|%2e/i); // never a signed dot segment
    });
  }

  for (const hidden of ["x%2F..%2Fplain.jpg", "x%2F%2e%2e%2Fplain.jpg", "x%2F.%2Fplain.jpg", "%2E%2E%2Fplain.jpg", "x/%2e%2e%2Fplain.jpg"]) {
    it(`/v1/assets/…/b/${hidden} → 400 invalid_key`, async () => {
      const res = await rawGet(`/v1/assets/${id}/${BUCKET}/b/${hidden}`);
      expect(res.status, res.body).toBe(400);
      expect(JSON.parse(res.body).error.code).toBe("invalid_key");
    });
  }

  it("a trailing dot segment is refused too (…/b/%2e%2e)", async () => {
    const res = await rawGet(`/v1/assets/${id}/${BUCKET}/b/%2e%2e`);
    expect(res.status, res.body).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe("invalid_key");
  });
});
