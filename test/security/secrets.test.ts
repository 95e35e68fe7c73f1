/** Secrets at rest: AES-GCM under ENCRYPTION_KEY, never plaintext in D1 or KV, never echoed. */
import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decrypt, encrypt, encryptionKey } from "../../worker/store/encryption";
import { apiToken, createRoleIntegration, errorOf, newWorld, readPolicy, testEnv, type World } from "../support/harness";

let w: World;
const STATIC_SECRET = "static/Secret+Key=wJalrXUtnFEMI/K7MDENG";
beforeEach(async () => {
  w = await newWorld();
  w.fake.addBucket({ name: "media-bucket", region: "us-east-1", objects: { "a.txt": "A" } });
  w.fake.addPrincipal({
    arn: "arn:aws:iam::444455556666:user/labeler",
    accessKeyId: "AKIASTATICUSER000001",
    secretAccessKey: STATIC_SECRET,
    policy: readPolicy(["*"]),
  });
});
afterEach(() => w.close());

async function dumpAll(): Promise<string> {
  const tables = ["integrations", "api_tokens", "validation_runs", "audit_log"];
  const parts: string[] = [];
  for (const t of tables) parts.push(JSON.stringify((await env.DB.prepare(`select * from ${t}`).all()).results));
  for (const k of (await env.CREDENTIALS.list()).keys) parts.push(k.name, (await env.CREDENTIALS.get(k.name)) ?? "");
  return parts.join("\n");
}

describe("secrets at rest", () => {
  it("finds no plaintext secret anywhere in D1 or KV, and no secret in any response", async () => {
    const created = await w.admin("POST", "/admin/api/integrations", {
      name: "keys",
      provider: "aws_keys",
      accessKeyId: "AKIASTATICUSER000001",
      secretAccessKey: STATIC_SECRET,
      scopes: ["media-bucket"],
    });
    const createdText = await created.text();
    expect(created.status).toBe(201);
    const { id } = JSON.parse(createdText);
    const { id: roleId } = await createRoleIntegration(w);
    const token = await apiToken(w);
    const responses = [createdText];
    for (const path of [`/admin/api/integrations/${id}`, "/admin/api/integrations", "/admin/api/audit", "/admin/api/tokens"])
      responses.push(await (await w.admin("GET", path)).text());
    responses.push(await (await w.admin("PATCH", `/admin/api/integrations/${id}`, { secretAccessKey: STATIC_SECRET + "2" })).text());
    responses.push(await (await w.admin("POST", `/admin/api/integrations/${id}/validate`, {})).text());
    await w.call(`/v1/assets/${roleId}/media-bucket/a.txt`); // caches role credentials in KV
    const issued = [...w.fake.issued.values()];
    expect(issued.length).toBeGreaterThan(0);
    const stored = await dumpAll();
    const secrets = [
      STATIC_SECRET,
      STATIC_SECRET + "2",
      token,
      testEnv.ADMIN_TOKEN!,
      testEnv.ENCRYPTION_KEY!,
      ...issued.flatMap((c) => [c.secretAccessKey, c.sessionToken]),
    ];
    for (const s of secrets) {
      expect(stored, "D1/KV").not.toContain(s);
      for (const r of responses) expect(r).not.toContain(s);
    }
    expect(stored).toMatch(/"secret_access_key_enc":"v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"/);
    expect(JSON.parse(responses[1]!).hasSecretAccessKey).toBe(true);
    expect(JSON.parse(responses[1]!)).not.toHaveProperty("secretAccessKey");
  });

  it("decrypts nothing without the key: another key, another place, or a tampered value all fail", async () => {
    const key = await encryptionKey(testEnv.ENCRYPTION_KEY);
    const sealed = await encrypt(key, "the secret", "integration:a:secret_access_key");
    expect(await decrypt(key, sealed, "integration:a:secret_access_key")).toBe("the secret");
    const other = await encryptionKey(btoa(String.fromCharCode(...new Uint8Array(32).fill(7))));
    expect(await decrypt(other, sealed, "integration:a:secret_access_key")).toBeNull();
    expect(await decrypt(key, sealed, "integration:b:secret_access_key")).toBeNull();
    const flipped = sealed.slice(0, -2) + (sealed.endsWith("A") ? "B" : "A") + sealed.slice(-1);
    expect(await decrypt(key, flipped, "integration:a:secret_access_key")).toBeNull();
    // Fresh IV every time: the same plaintext never seals to the same value.
    expect(await encrypt(key, "the secret", "c")).not.toBe(await encrypt(key, "the secret", "c"));
  });

  it.each([
    ["missing", ""],
    ["not base64", "this is not base64!!"],
    ["16 bytes", btoa("0123456789abcdef")],
  ])("a %s ENCRYPTION_KEY stops every request with a clear message", async (_n, value) => {
    const broken = await newWorld({ ENCRYPTION_KEY: value });
    for (const path of ["/v1/redirect?url=s3://a-bucket/k", "/admin/api/integrations"]) {
      const res = await broken.call(path, { headers: { authorization: `Bearer ${testEnv.ADMIN_TOKEN}` } });
      expect(res.status).toBe(500);
      const err = await errorOf(res);
      expect(err.code).toBe("internal_error");
      expect(err.message).toContain("ENCRYPTION_KEY");
      if (value) expect(JSON.stringify(err)).not.toContain(value);
    }
    expect((await env.DB.prepare("select count(*) as n from integrations").first<{ n: number }>())!.n).toBe(0);
    broken.close();
  });
});
