/** A wrong method on a known route is 405 method_not_allowed with Allow, in the JSON error envelope. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { errorOf, newWorld, testEnv, type World } from "../support/harness";

let w: World;
beforeEach(async () => {
  w = await newWorld();
});
afterEach(() => w.close());

describe("405 method_not_allowed", () => {
  it.each([
    ["DELETE", "/v1/assets/int_x/media-bucket/a.jpg", "GET, HEAD"],
    ["POST", "/v1/redirect?url=s3://media-bucket/a.jpg", "GET, HEAD"],
    ["GET", "/v1/sign", "POST"],
    ["PUT", "/v1/uploads", "POST"],
    ["POST", "/v1/integrations/int_x/objects", "GET, HEAD"],
    ["PUT", "/admin/api/integrations", "GET, HEAD, POST"],
    ["POST", "/admin/api/integrations/int_x", "DELETE, GET, HEAD, PATCH"],
    ["GET", "/admin/api/integrations/int_x/validate", "POST"],
  ])("%s %s → 405, Allow: %s", async (method, path, allow) => {
    const res = await w.call(path, { method, headers: { authorization: `Bearer ${testEnv.ADMIN_TOKEN}` } });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe(allow);
    expect(res.headers.get("content-type")).toContain("application/json");
    const err = await errorOf(res);
    expect(err.code).toBe("method_not_allowed");
    expect(err.message).toContain(method);
    expect(err.hint).toContain(allow);
    expect(err.requestId).toBe(res.headers.get("x-request-id"));
  });

  it("an unknown path stays 404 not_found", async () => {
    for (const path of ["/v1/nothing", "/admin/api/nothing", "/elsewhere"]) {
      const res = await w.call(path, { method: "DELETE", headers: { authorization: `Bearer ${testEnv.ADMIN_TOKEN}` } });
      expect(res.status, path).toBe(404);
      expect((await errorOf(res)).code).toBe("not_found");
    }
  });
});
