/** API tokens for /v1/sign, objects and uploads: stored as SHA-256 hashes, shown once. */
import { asc, eq, sql } from "drizzle-orm";
import type { Db } from "./db";
import { apiTokens } from "./schema";

export type TokenRow = typeof apiTokens.$inferSelect;

export async function hashToken(token: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function insertToken(d: Db, row: typeof apiTokens.$inferInsert): Promise<void> {
  await d.insert(apiTokens).values(row);
}

export async function listTokens(d: Db): Promise<TokenRow[]> {
  return d.select().from(apiTokens).orderBy(asc(apiTokens.createdAt)).all();
}

export async function findTokenByHash(d: Db, hash: string): Promise<TokenRow | null> {
  return (await d.select().from(apiTokens).where(eq(apiTokens.tokenHash, hash)).get()) ?? null;
}

export async function deleteToken(d: Db, id: string): Promise<boolean> {
  const r = await d.delete(apiTokens).where(eq(apiTokens.id, id)).run();
  return (r.meta?.changes ?? 0) > 0;
}

export async function touchToken(d: Db, id: string, at: number): Promise<void> {
  await d.update(apiTokens).set({ lastUsedAt: at }).where(sql`${apiTokens.id} = ${id} and coalesce(${apiTokens.lastUsedAt}, 0) < ${at}`).run();
}

export function tokenToJson(t: TokenRow) {
  return {
    id: t.id,
    name: t.name,
    integrations: JSON.parse(t.integrations) as string[],
    createdAt: new Date(t.createdAt).toISOString(),
    lastUsedAt: t.lastUsedAt == null ? null : new Date(t.lastUsedAt).toISOString(),
  };
}
