/**
 * Structural check behind test/security/redirects.test.ts: the Worker calls `fetch` in one
 * place only, worker/lib/outbound.ts (`outboundFetch`, which sets redirect: "manual"), so a
 * new outbound call cannot follow redirects by accident.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(__dirname, "../../worker");

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

describe("outbound fetch", () => {
  it("only worker/lib/outbound.ts calls fetch, and it sets redirect: manual", () => {
    const callers = files(ROOT)
      .filter((f) => {
        const code = readFileSync(f, "utf8")
          .replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "") // comments
          .replace(/^\s*fetch\(\w+: Request\b/gm, ""); // the Worker's own fetch handler
        // A call has arguments: prose such as "fetch()" in a message is not one.
        return /(^|[^\w.])fetch\s*\((?!\))|globalThis\.fetch|\bself\.fetch/.test(code);
      })
      .map((f) => relative(ROOT, f));
    expect(callers).toEqual(["lib/outbound.ts"]);
    expect(readFileSync(join(ROOT, "lib/outbound.ts"), "utf8")).toMatch(/fetch\(input, \{ \.\.\.init, redirect: "manual" \}\)/);
  });
});
