import { describe, expect, it } from "vitest";
import { SingleFlightCache } from "../../../worker/lib/single-flight";

interface V {
  id: number;
  expiresAt: number;
}

const late = () => new Error("late");

describe("SingleFlightCache", () => {
  it("serves a value that lasts long enough, loads once for concurrent callers otherwise", async () => {
    const cache = new SingleFlightCache<V>();
    let loads = 0;
    const load = async () => ({ id: ++loads, expiresAt: 1000 });
    const got = await Promise.all(Array.from({ length: 20 }, () => cache.get("k", { needUntil: 500, load, deadlineMs: 1000, onDeadline: late })));
    expect(new Set(got.map((v) => v.id))).toEqual(new Set([1]));
    expect((await cache.get("k", { needUntil: 1000, load, deadlineMs: 1000, onDeadline: late })).id).toBe(1);
    expect((await cache.get("k", { needUntil: 1001, load, deadlineMs: 1000, onDeadline: late })).id).toBe(2);
  });

  it("a failed load is not cached and the next caller tries again", async () => {
    const cache = new SingleFlightCache<V>();
    await expect(cache.get("k", { needUntil: 0, load: () => Promise.reject(new Error("down")), deadlineMs: 1000, onDeadline: late })).rejects.toThrow("down");
    expect((await cache.get("k", { needUntil: 0, load: async () => ({ id: 7, expiresAt: 1 }), deadlineMs: 1000, onDeadline: late })).id).toBe(7);
  });

  it("waiters give up on a load that never settles, and a later caller starts a new one", async () => {
    const cache = new SingleFlightCache<V>();
    const stuck = () => new Promise<V>(() => undefined);
    await expect(cache.get("k", { needUntil: 0, load: stuck, deadlineMs: 30, onDeadline: late })).rejects.toThrow("late");
    expect((await cache.get("k", { needUntil: 0, load: async () => ({ id: 3, expiresAt: 1 }), deadlineMs: 30, onDeadline: late })).id).toBe(3);
  });

  it("delete with a value only removes that value", async () => {
    const cache = new SingleFlightCache<V>();
    const v = await cache.get("k", { needUntil: 0, load: async () => ({ id: 1, expiresAt: 10 }), deadlineMs: 100, onDeadline: late });
    cache.delete("k", { id: 2, expiresAt: 10 });
    expect(cache.peek("k")).toBe(v);
    cache.delete("k", v);
    expect(cache.peek("k")).toBeUndefined();
  });
});
