/**
 * Bodies are read with a byte cap before anything is parsed: an oversized login form or JSON
 * body is refused after reading at most the cap (plus a chunk), never read whole.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { apiToken, errorOf, newWorld, testEnv, type World } from "../support/harness";

let w: World;
beforeEach(async () => {
  w = await newWorld();
});
afterEach(() => w.close());

const CHUNK = 64 * 1024;
const TOTAL = 32 * 1024 * 1024;

/** A 32 MiB body produced on demand; `pulled()` says how much of it the Worker asked for. */
function endlessBody(fill: string) {
  let sent = 0;
  const chunk = new TextEncoder().encode(fill.repeat(CHUNK / fill.length));
  const stream = new ReadableStream<Uint8Array>({
    pull(ctrl) {
      if (sent >= TOTAL) return ctrl.close();
      ctrl.enqueue(chunk.slice());
      sent += chunk.byteLength;
    },
  });
  return { stream, pulled: () => sent };
}

describe("bounded body reads", () => {
  it("the unauthenticated login form: refused after at most the 8 KiB cap plus a chunk", async () => {
    const body = endlessBody("token=aaaaaaaa&");
    const res = await w.call("/admin/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://signpost.test" },
      body: body.stream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(body.pulled()).toBeLessThanOrEqual(4 * CHUNK);
  });

  it("a declared Content-Length over the cap is refused without reading", async () => {
    const res = await w.call("/admin/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://signpost.test", "content-length": "9000" },
      body: "token=" + "a".repeat(8994),
    });
    expect(res.status).toBe(413);
  });

  it("admin JSON bodies: 400 invalid_request after at most the 256 KiB cap plus a chunk", async () => {
    const body = endlessBody('{"name":"x","pad":"' + "a".repeat(100));
    const res = await w.call("/admin/api/integrations", {
      method: "POST",
      headers: { authorization: `Bearer ${testEnv.ADMIN_TOKEN}`, "content-type": "application/json" },
      body: body.stream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(400);
    const err = await errorOf(res);
    expect(err.code).toBe("invalid_request");
    expect(err.message).toContain("larger than");
    expect(body.pulled()).toBeLessThanOrEqual(256 * 1024 + 4 * CHUNK);
  });

  it("/v1/sign JSON bodies: the same cap", async () => {
    const token = await apiToken(w);
    const body = endlessBody('{"urls":["s3://b/k",');
    const res = await w.call("/v1/sign", {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body.stream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("invalid_request");
    expect(body.pulled()).toBeLessThanOrEqual(256 * 1024 + 4 * CHUNK);
  });

  it("bodies under the caps still work", async () => {
    const res = await w.admin("POST", "/admin/api/integrations", { name: "small", scopes: ["media-bucket"] });
    expect(res.status).toBe(201);
  });
});
