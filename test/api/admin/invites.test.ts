/** Invites in the admin API: create, list, revoke; hashed tokens, bounds, auth, audit. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { errorOf, newWorld, testEnv, type World } from "../../support/harness";

let w: World;
beforeEach(async () => {
  w = await newWorld();
  await testEnv.DB.prepare("delete from invites").run();
});
afterEach(() => w.close());

async function integration(name = "Acme"): Promise<string> {
  const res = await w.admin("POST", "/admin/api/integrations", { name, scopes: ["acme-media"] });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function invite(id: string, body?: unknown) {
  const res = await w.admin("POST", `/admin/api/integrations/${id}/invites`, body);
  return { res, json: (await res.json()) as Record<string, any> };
}

describe("admin invites", () => {
  it("creates an invite whose URL carries a ≥128-bit token that is stored only as its SHA-256", async () => {
    const id = await integration();
    const before = Date.now();
    const { res, json } = await invite(id, {});
    expect(res.status).toBe(201);
    expect(Object.keys(json).sort()).toEqual(["expiresAt", "id", "url"]);
    const m = /^https:\/\/signpost\.test\/connect\/([A-Za-z0-9_-]+)$/.exec(json.url);
    expect(m).not.toBeNull();
    const token = m![1]!;
    expect(token.length * 6).toBeGreaterThanOrEqual(128);
    const expires = Date.parse(json.expiresAt);
    expect(expires - before).toBeGreaterThanOrEqual(86_400_000 - 1000);
    expect(expires - before).toBeLessThanOrEqual(86_400_000 + 5000);

    const stored = await testEnv.DB.prepare("select * from invites").all<Record<string, unknown>>();
    expect(stored.results).toHaveLength(1);
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
    const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect(stored.results[0]!.token_hash).toBe(hex);
    expect(JSON.stringify(stored.results)).not.toContain(token);

    const list = await w.admin("GET", `/admin/api/integrations/${id}/invites`);
    expect(list.status).toBe(200);
    const text = await list.text();
    expect(text).not.toContain(token);
    const invites = (JSON.parse(text) as { invites: Record<string, unknown>[] }).invites;
    expect(invites).toHaveLength(1);
    expect(invites[0]).toMatchObject({ id: json.id, expiresAt: json.expiresAt, usedAt: null, revokedAt: null });
    expect(invites[0]!.createdAt).toEqual(expect.any(String));
  });

  it("takes expiresInSeconds in 300..604800 and refuses anything else", async () => {
    const id = await integration();
    const { json } = await invite(id, { expiresInSeconds: 300 });
    expect(Date.parse(json.expiresAt) - Date.now()).toBeLessThanOrEqual(300_000);
    expect((await invite(id, { expiresInSeconds: 604_800 })).res.status).toBe(201);
    expect((await invite(id)).res.status).toBe(201); // no body at all: the default
    for (const bad of [
      { expiresInSeconds: 299 },
      { expiresInSeconds: 604_801 },
      { expiresInSeconds: 1.5 },
      { expiresInSeconds: "600" },
      { integrationId: "x" },
      [],
    ]) {
      const { res, json: body } = await invite(id, bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(body.error.code).toBe("invalid_request");
    }
  });

  it("answers 404 for an unknown integration or invite", async () => {
    const res = await w.admin("POST", "/admin/api/integrations/int_nope/invites", {});
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe("integration_not_found");
    const list = await w.admin("GET", "/admin/api/integrations/int_nope/invites");
    expect((await errorOf(list)).code).toBe("integration_not_found");
    const del = await w.admin("DELETE", "/admin/api/invites/inv_nope");
    expect(del.status).toBe(404);
    expect((await errorOf(del)).code).toBe("not_found");
  });

  it("revokes: the invite stays listed with revokedAt", async () => {
    const id = await integration();
    const { json } = await invite(id, {});
    const del = await w.admin("DELETE", `/admin/api/invites/${json.id}`);
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({ revoked: true, id: json.id });
    const list = (await (await w.admin("GET", `/admin/api/integrations/${id}/invites`)).json()) as { invites: Record<string, unknown>[] };
    expect(list.invites[0]!.revokedAt).toEqual(expect.any(String));
  });

  it("lists only the integration's own invites", async () => {
    const a = await integration("A");
    const b = await integration("B");
    const ia = (await invite(a, {})).json.id;
    await invite(b, {});
    const list = (await (await w.admin("GET", `/admin/api/integrations/${a}/invites`)).json()) as { invites: { id: string }[] };
    expect(list.invites.map((i) => i.id)).toEqual([ia]);
  });

  it.each([
    ["POST", "/admin/api/integrations/int_x/invites"],
    ["GET", "/admin/api/integrations/int_x/invites"],
    ["DELETE", "/admin/api/invites/inv_x"],
  ])("%s %s needs the admin", async (method, path) => {
    const res = await w.call(path, { method, headers: { "content-type": "application/json" }, body: method === "POST" ? "{}" : undefined });
    expect(res.status).toBe(401);
  });

  it("audits creation and revocation, never with the token", async () => {
    const id = await integration();
    const { json } = await invite(id, {});
    await w.admin("DELETE", `/admin/api/invites/${json.id}`);
    const rows = await testEnv.DB.prepare("select action, target_id, detail from audit_log where action like 'invite.%' order by id").all<{
      action: string;
      target_id: string;
      detail: string;
    }>();
    expect(rows.results.map((r) => r.action)).toEqual(["invite.create", "invite.revoke"]);
    for (const r of rows.results) {
      expect(r.target_id).toBe(id);
      expect(JSON.parse(r.detail).inviteId).toBe(json.id);
      expect(r.detail).not.toContain(json.url.split("/").pop());
    }
  });
});
