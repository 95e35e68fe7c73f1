/**
 * The CREDENTIALS KV namespace (worker/store/sealed-kv.ts): the key strings are stored data and
 * must never drift, values are sealed to their key, and a broken entry is a miss.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { credentialsKvKey, delegationKeyKvKey, kvExpiration, readSealed, signedUrlKvKey, writeSealed } from "../../../worker/store/sealed-kv";
import type { Env } from "../../../worker/env";

const e = env as unknown as Env;
const isPoint = (v: unknown): v is { x: number } => typeof (v as { x?: unknown })?.x === "number";

describe("sealed KV", () => {
  it("builds the same key strings as every release before", async () => {
    expect(credentialsKvKey("int_abc", "0123456789abcdef01234567")).toBe("creds:v1:int_abc:0123456789abcdef01234567");
    expect(signedUrlKvKey("gcsurl", "int_abc", "ffee")).toBe("gcsurl:v1:int_abc:ffee");
    // sha256("client|tenant-lower|account"), first 24 hex digits; the tenant is lower-cased first.
    expect(await delegationKeyKvKey("client", "TENANT", "acct")).toBe(await delegationKeyKvKey("client", "tenant", "acct"));
    expect(await delegationKeyKvKey("client", "tenant", "acct")).toMatch(/^udk:v1:[0-9a-f]{24}$/);
    expect(await delegationKeyKvKey("client", "tenant", "acct")).toBe("udk:v1:" + (await sha256("client|tenant|acct")).slice(0, 24));
  });

  it("seals a value to its key: readable there, not as plaintext, not under another key", async () => {
    await writeSealed(e, "test:v1:a", { x: 7 }, { expirationTtl: 120 });
    expect(await readSealed(e, "test:v1:a", isPoint)).toEqual({ x: 7 });
    const raw = (await e.CREDENTIALS.get("test:v1:a"))!;
    expect(raw).toMatch(/^v1\./);
    expect(raw).not.toContain('"x"');
    await e.CREDENTIALS.put("test:v1:b", raw);
    expect(await readSealed(e, "test:v1:b", isPoint)).toBeNull();
  });

  it("treats a missing entry, another shape and garbage as a miss", async () => {
    expect(await readSealed(e, "test:v1:none", isPoint)).toBeNull();
    await writeSealed(e, "test:v1:shape", { y: 1 }, { expirationTtl: 120 });
    expect(await readSealed(e, "test:v1:shape", isPoint)).toBeNull();
    await e.CREDENTIALS.put("test:v1:junk", "v1.not.sealed");
    expect(await readSealed(e, "test:v1:junk", isPoint)).toBeNull();
  });

  it("refuses a broken ENCRYPTION_KEY instead of calling it a miss", async () => {
    await expect(readSealed({ ...e, ENCRYPTION_KEY: "short" }, "test:v1:a", isPoint)).rejects.toMatchObject({ code: "internal_error" });
  });

  it("gives KV an expiration only when it is far enough ahead", () => {
    expect(kvExpiration(Date.now() + 60_000)).toBeNull();
    const at = Date.now() + 3600_000;
    expect(kvExpiration(at)).toBe(Math.floor(at / 1000));
  });
});

async function sha256(s: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
  return [...d].map((b) => b.toString(16).padStart(2, "0")).join("");
}
