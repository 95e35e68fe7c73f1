/**
 * Which methods a path has routes for, so a wrong method on a known route is 405
 * `method_not_allowed` with `Allow` (not a 404 that suggests the path is wrong).
 */
import type { Hono } from "hono";

interface CompiledRoute {
  method: string;
  pattern: RegExp;
}

const COMPILED = new WeakMap<object, CompiledRoute[]>();

function compile(path: string): RegExp {
  const source = path
    .split("/")
    .map((seg) => (seg === "*" ? ".*" : seg.startsWith(":") ? "[^/]+" : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  return new RegExp(`^${source}/?$`);
}

function routesOf(app: Hono<any>): CompiledRoute[] {
  let routes = COMPILED.get(app);
  if (!routes) {
    // Handlers only: middleware is registered with method "ALL" and matches everything.
    routes = app.routes.filter((r) => r.method !== "ALL").map((r) => ({ method: r.method, pattern: compile(r.path) }));
    COMPILED.set(app, routes);
  }
  return routes;
}

/** The methods `app` answers on `path` (GET implies HEAD), sorted; empty when no route matches. */
export function allowedMethods(app: Hono<any>, path: string): string[] {
  const methods = new Set<string>();
  for (const r of routesOf(app)) if (r.pattern.test(path)) methods.add(r.method);
  if (methods.has("GET")) methods.add("HEAD");
  return [...methods].sort();
}
