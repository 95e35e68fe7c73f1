/**
 * The layout of worker/ as an import graph: no module may reach itself through its imports,
 * and the library rooms (low-level cloud clients and shared helpers) import nothing from the
 * application rooms above them. Parsed from the import/export-from lines of the source, so a
 * new arrow fails here before it turns into a tangle.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const WORKER = resolve(dirname(fileURLToPath(import.meta.url)), "../../worker");

/** Rooms that are libraries: they may import each other and third-party packages only. */
const LIBRARY_ROOMS = ["clients", "aws", "gcp", "azure", "lib"];
/** Rooms of the application: a library importing any of these is an arrow running up. */
const APPLICATION_ROOMS = ["routes", "providers", "signing", "validation", "integrations", "store", "ops", "http"];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

// `import … from "x"`, `import "x"`, `export … from "x"`, `import("x")`; type-only imports count too
// (a type cycle is still two modules that cannot be understood apart).
const SPECIFIER = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|(?:^|\n)\s*import\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function resolveImport(from: string, spec: string): string | null {
  if (!spec.startsWith(".")) return null; // a package, not part of worker/
  const base = resolve(dirname(from), spec.replace(/\.js$/, ""));
  for (const candidate of [base + ".ts", base + ".tsx", join(base, "index.ts"), base]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // try the next spelling
    }
  }
  return null;
}

/** module (path relative to worker/) → modules it imports, within worker/. */
export function importGraph(root = WORKER): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(root)) {
    const text = readFileSync(file, "utf8");
    const targets = new Set<string>();
    for (const m of text.matchAll(SPECIFIER)) {
      const target = resolveImport(file, m[1] ?? m[2] ?? m[3]);
      if (target && target.startsWith(root)) targets.add(relative(root, target));
    }
    graph.set(relative(root, file), [...targets].sort());
  }
  return graph;
}

/** Every import cycle, each once, as the list of modules along it (Tarjan's strongly connected components). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

const roomOf = (module: string) => module.split("/")[0];
const isLibrary = (module: string) => LIBRARY_ROOMS.includes(roomOf(module)) || LIBRARY_ROOMS.some((room) => module.startsWith(`clients/${room}/`));

describe("worker/ import graph", () => {
  const graph = importGraph();

  it("reads the source (a sanity check on the parser)", () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get("index.ts")?.length).toBeGreaterThan(5);
  });

  it("has no import cycle", () => {
    expect(cycles(graph)).toEqual([]);
  });

  it("has no arrow from a library room up into the application", () => {
    const upward = [...graph].flatMap(([from, targets]) =>
      isLibrary(from) ? targets.filter((to) => APPLICATION_ROOMS.includes(roomOf(to))).map((to) => `${from} → ${to}`) : [],
    );
    expect(upward).toEqual([]);
  });
});
