/**
 * D1 access. The schema is defined with drizzle (worker/store/schema.ts) for drizzle-kit to
 * generate migrations, but queries are plain prepared statements: drizzle's query builder
 * would add ~20 KiB gzip to a Worker that runs a handful of fixed queries.
 */
export type Db = D1Database;

export function db(d1: D1Database): Db {
  return d1;
}

/** snake_case row → camelCase object (column names are the schema's). */
export function camel<T>(row: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const k in row) out[k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = row[k];
  return out as T;
}

export function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
}
