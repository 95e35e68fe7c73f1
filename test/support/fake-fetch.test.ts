import { afterEach, describe, expect, it } from "vitest";
import { installFakeFetch, type InstalledFetch } from "./fake-fetch";

describe("installFakeFetch", () => {
  const layers: InstalledFetch[] = [];
  afterEach(() => {
    while (layers.length) layers.pop()!.restore();
  });
  const install = (...args: Parameters<typeof installFakeFetch>) => {
    const layer = installFakeFetch(...args);
    layers.push(layer);
    return layer;
  };

  it("answers from the first matching route, with the request as sent", async () => {
    install({
      routes: [
        { matches: (u) => u.hostname === "a.test", handle: async (req) => new Response(`a ${req.method} ${await req.text()}`) },
        { matches: (u) => u.hostname.endsWith(".test"), handle: () => new Response("any .test") },
      ],
    });
    expect(await (await fetch("https://a.test/x", { method: "POST", body: "hi" })).text()).toBe("a POST hi");
    expect(await (await fetch("https://b.test/")).text()).toBe("any .test");
  });

  it("rejects hosts no route takes and passthrough does not allow", async () => {
    install({ routes: [{ matches: (u) => u.hostname === "a.test", handle: () => new Response("a") }] });
    await expect(fetch("https://example.com/x")).rejects.toThrow("unexpected outbound fetch to https://example.com");
  });

  it("layers: passthrough hands the request to the fetch installed before, and restore puts it back", async () => {
    const original = globalThis.fetch;
    install({
      routes: [{ matches: (u) => u.hostname === "below.test", handle: async (req) => new Response(req.method === "POST" ? await req.text() : "below") }],
    });
    const seen: string[] = [];
    const top = install({
      routes: [{ matches: (u) => u.hostname === "top.test", handle: () => new Response("top") }],
      passthrough: () => true,
      observe: (u) => seen.push(u.host),
    });
    expect(await (await fetch("https://top.test/")).text()).toBe("top");
    expect(await (await fetch("https://below.test/")).text()).toBe("below");
    await expect(fetch("https://nowhere.test/")).rejects.toThrow("unexpected outbound fetch to https://nowhere.test");
    expect(seen).toEqual(["top.test", "below.test", "nowhere.test"]);
    // A Request with a body reaches the layer below intact.
    expect(await (await fetch(new Request("https://below.test/", { method: "POST", body: "kept" }))).text()).toBe("kept");
    top.restore();
    await expect(fetch("https://top.test/")).rejects.toThrow("unexpected outbound fetch");
    layers.pop()!.restore();
    layers.pop()!.restore();
    expect(globalThis.fetch).toBe(original);
  });

  it("the caller's abort signal wins over a route that never answers", async () => {
    install({ routes: [{ matches: () => true, handle: () => new Promise<Response>(() => {}) }] });
    const err = await fetch("https://slow.test/", { signal: AbortSignal.timeout(20) }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as Error).name).toBe("TimeoutError");
  });
});
