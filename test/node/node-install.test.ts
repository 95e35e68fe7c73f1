/**
 * What Node the project needs, and a quiet install on Node 20: `engines`, .nvmrc and
 * .node-version agree with the bundled Node; every package that wants a newer Node than 20 is
 * a dev tool (run on the bundled Node 22 by npm scripts); `npm ci` from the committed lockfile
 * prints no warning with the project's .npmrc (dry run, with the machine's own npm).
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/wrangler-process";

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8"));
const read = (f: string) => readFileSync(join(ROOT, f), "utf8").trim();

/** Whether a version satisfies an engines range of the forms npm packages use (>=, >, <, <=, ^, ~, exact, ||, spaces). */
function satisfies(version: string, range: string): boolean {
  const v = version.split(".").map(Number);
  const cmp = (b: number[]) => v[0]! - b[0]! || v[1]! - (b[1] ?? 0) || v[2]! - (b[2] ?? 0);
  return range.split("||").some((alt) =>
    alt
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .every((c) => {
        const m = /^(>=|<=|>|<|\^|~|=)?v?(\d+)(?:\.(\d+|x))?(?:\.(\d+|x))?/.exec(c);
        if (!m) return true;
        const b = [Number(m[2]), Number(m[3] ?? 0) || 0, Number(m[4] ?? 0) || 0];
        const d = cmp(b);
        switch (m[1]) {
          case ">=":
            return d >= 0;
          case ">":
            return d > 0;
          case "<":
            return d < 0;
          case "<=":
            return d <= 0;
          case "^":
            return d >= 0 && v[0] === b[0];
          case "~":
            return d >= 0 && v[0] === b[0] && v[1] === b[1];
          default:
            return m[3] === undefined ? v[0] === b[0] : d === 0;
        }
      }),
  );
}

/** npm of the machine (not node_modules/.bin), with its Node: what `npm install` runs on. */
function machineNpm(): { path: string; node: string } | null {
  const PATH = (process.env.PATH ?? "")
    .split(delimiter)
    .filter((p) => !p.includes("node_modules"))
    .join(delimiter);
  const r = spawnSync("npm", ["exec", "--", "node", "--version"], { env: { PATH, HOME: process.env.HOME ?? tmpdir() }, encoding: "utf8", cwd: tmpdir() });
  return r.status === 0 ? { path: PATH, node: r.stdout.trim().replace(/^v/, "") } : null;
}

describe("Node", () => {
  it("engines, .nvmrc and .node-version say what is needed, and the lockfile agrees", () => {
    expect(pkg.engines).toEqual({ node: ">=20" });
    expect(lock.packages[""].engines).toEqual(pkg.engines); // npm install leaves the lockfile unchanged
    const bundled = String(pkg.devDependencies.node).split(".")[0];
    expect(read(".nvmrc")).toBe(bundled);
    expect(read(".node-version")).toBe(bundled);
    expect(read(".npmrc")).toMatch(/^loglevel=error$/m);
  });

  it("only dev tools want a newer Node than 20", () => {
    const newer = Object.entries(lock.packages as Record<string, { engines?: { node?: string } | string[]; dev?: boolean; optional?: boolean }>)
      .filter(([path, p]) => path && p.engines && !Array.isArray(p.engines) && p.engines.node && !satisfies("20.0.0", p.engines.node))
      .map(([path, p]) => ({ path, dev: !!p.dev }));
    expect(newer.length).toBeGreaterThan(0); // wrangler, vitest, miniflare, the Azure SDK
    expect(newer.filter((p) => !p.dev)).toEqual([]);
    expect(satisfies("20.20.2", "^20.19.0 || >=22.12.0")).toBe(true);
    expect(satisfies("20.20.2", ">=22.0.0")).toBe(false);
  });

  describe("npm ci from the committed lockfile, on the machine's npm", () => {
    const npm = machineNpm();
    const dir = mkdtempSync(join(tmpdir(), "signpost-npm-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    for (const f of ["package.json", "package-lock.json", ".npmrc"]) copyFileSync(join(ROOT, f), join(dir, f));

    const ci = (extra: string[]): Promise<{ code: number | null; out: string }> =>
      new Promise((resolveRun, reject) => {
        const child = spawn("npm", ["ci", "--dry-run", "--prefer-offline", "--ignore-scripts", ...extra], {
          cwd: dir,
          env: { PATH: npm!.path, HOME: process.env.HOME ?? dir },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        const timer = setTimeout(() => child.kill("SIGKILL"), 100_000);
        child.on("error", reject);
        child.on("close", (code) => {
          clearTimeout(timer);
          resolveRun({ code, out });
        });
      });

    it.skipIf(!npm)(
      "works and prints no warning",
      async () => {
        const r = await ci([]);
        expect(r.code, r.out.slice(-2000)).toBe(0);
        expect(r.out).not.toMatch(/npm warn|EBADENGINE/i);
        if (!satisfies(npm!.node, ">=22")) {
          // What the .npmrc keeps out: on Node < 22 npm warns about every tool that wants 22.
          const loud = await ci(["--loglevel=warn"]);
          expect(loud.out, `Node ${npm!.node}`).toMatch(/EBADENGINE/);
        }
      },
      120_000,
    );
  });
});
