/** API tokens for /v1/sign, objects and uploads: stored as SHA-256 hashes, shown once. */
import { camel, type Db } from "./db";
import type { apiTokens } from "./schema";

export type TokenRow = typeof apiTokens.$inferSelect;

export async function hashToken(token: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function insertToken(d: Db, row: TokenRow): Promise<void> {
  await d
    .prepare("insert into api_tokens (id, name, token_hash, integrations, created_at, last_used_at) values (?, ?, ?, ?, ?, ?)")
    .bind(row.id, row.name, row.tokenHash, row.integrations, row.createdAt, row.lastUsedAt)
    .run();
}

export async function listTokens(d: Db): Promise<TokenRow[]> {
  const { results } = await d.prepare("select * from api_tokens order by created_at, id").all();
  return results.map((r) => camel<TokenRow>(r));
}

export async function findTokenByHash(d: Db, hash: string): Promise<TokenRow | null> {
  const r = await d.prepare("select * from api_tokens where token_hash = ?").bind(hash).first();
  return r ? camel<TokenRow>(r) : null;
}

export async function deleteToken(d: Db, id: string): Promise<boolean> {
  const r = await d.prepare("delete from api_tokens where id = ?").bind(id).run();
  return (r.meta?.changes ?? 0) > 0;
}

export async function touchToken(d: Db, id: string, at: number): Promise<void> {
  await d.prepare("update api_tokens set last_used_at = ?1 where id = ?2 and coalesce(last_used_at, 0) < ?1").bind(at, id).run();
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
