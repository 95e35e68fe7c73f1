/**
 * Public /v1 errors are generic: no ARN, account id, External ID or upstream message reaches
 * an unauthenticated caller. The detail stays in the admin validation results and in the
 * structured log (without secrets).
 */
import { describe, expect, it, vi } from "vitest";
import { apiToken, bearer, createRoleIntegration, errorOf, OWNER_ACCOUNT, PRINCIPAL_ARN, readPolicy, testEnv, type World } from "../support/harness";
import { worldPerTest } from "../support/world-per-test";

let w: World;
worldPerTest((world) => (w = world));

const PRINCIPAL_ACCOUNT = PRINCIPAL_ARN.split(":")[4]!;

function expectGeneric(text: string, externalId: string) {
  for (const leak of ["arn:", PRINCIPAL_ACCOUNT, OWNER_ACCOUNT, externalId, "not authorized", "AccessDenied", "sts:", "External ID"]) {
    expect(text, `leaks ${leak}`).not.toContain(leak);
  }
}

describe("public /v1 errors", () => {
  it("STS refusing the role: code kept, message generic on /v1/assets, /v1/redirect and /v1/sign; detail in the log and for admins", async () => {
    const { id, roleArn, externalId } = await createRoleIntegration(w);
    w.fake.addRole({ arn: roleArn, trustedPrincipals: ["arn:aws:iam::999999999999:user/someone-else"], externalId, policy: readPolicy(["*"]) });
    const logged: string[] = [];
    vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(" ")));

    const asset = await w.call(`/v1/assets/${id}/media-bucket/a.txt`);
    expect(asset.status).toBe(502);
    const raw = await asset.clone().text();
    const err = await errorOf(asset);
    expect(err.code).toBe("role_cannot_be_assumed");
    expect(err.message.length).toBeGreaterThan(10);
    expectGeneric(raw, externalId);

    const redirect = await w.call(`/v1/redirect?integration=${id}&url=${encodeURIComponent("s3://media-bucket/a.txt")}`);
    expect(redirect.status).toBe(502);
    expectGeneric(await redirect.text(), externalId);

    const token = await apiToken(w);
    const signed = await w.call("/v1/sign", {
      method: "POST",
      headers: bearer(token, { "content-type": "application/json" }),
      body: JSON.stringify({ integration: id, urls: ["s3://media-bucket/a.txt"] }),
    });
    const body = await signed.text();
    expect(body).toContain("role_cannot_be_assumed");
    expectGeneric(body, externalId);

    // The structured log has what was withheld, under the request id, and no secret.
    const entry = logged.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.requestId === err.requestId);
    expect(entry).toMatchObject({ event: "v1_error", code: "role_cannot_be_assumed" });
    expect(String(entry!.detail)).toContain("AccessDenied");
    const all = logged.join("\n");
    for (const secret of [testEnv.AWS_SECRET_ACCESS_KEY!, testEnv.ADMIN_TOKEN!, testEnv.ENCRYPTION_KEY!, token, externalId]) expect(all).not.toContain(secret);

    // Admins keep the detail.
    const report = (await (await w.admin("POST", `/admin/api/integrations/${id}/validate`, {})).json()) as {
      checks: Array<{ name: string; message: string; hint: string | null }>;
    };
    const assume = report.checks.find((c) => c.name === "assume_role")!;
    expect(assume.message).toContain("not authorized");
    expect(assume.hint).toContain(externalId);
  });

  it("an insecure External ID: /v1 says neither the External ID nor why", async () => {
    const { id, externalId } = await createRoleIntegration(w, { requireExternalId: false });
    await w.admin("POST", `/admin/api/integrations/${id}/validate`, {});
    const res = await w.call(`/v1/assets/${id}/media-bucket/a.txt`);
    expect(res.status).toBe(502);
    expect((await errorOf(res.clone())).code).toBe("role_cannot_be_assumed");
    expectGeneric(await res.text(), externalId);
  });

  it("a listing the role may not do names s3:ListBucket, without ARN or S3's words", async () => {
    const { id, externalId } = await createRoleIntegration(w, { policy: readPolicy(["arn:aws:s3:::media-bucket/*"], ["s3:GetObject"]) });
    const token = await apiToken(w);
    const res = await w.call(`/v1/integrations/${id}/objects`, { headers: bearer(token) });
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(text).toContain("s3:ListBucket");
    expectGeneric(text, externalId);
  });
});
