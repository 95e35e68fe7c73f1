/**
 * Admin page sessions, server side: a session is valid while its row exists, has not expired
 * and has not been revoked (logout). Rows are keyed by the SHA-256 of the session nonce.
 */
import type { Db } from "./db";
import { hashToken } from "./tokens";

/** Rows this long past their expiry are deleted when a new session starts. */
const KEEP_EXPIRED_MS = 24 * 60 * 60_000;

export async function insertAdminSession(d: Db, nonce: string, createdAt: number, expiresAt: number): Promise<void> {
  await d.batch([
    d.prepare("delete from admin_sessions where expires_at < ?").bind(createdAt - KEEP_EXPIRED_MS),
    d.prepare("insert into admin_sessions (id, created_at, expires_at, revoked_at) values (?, ?, ?, null)").bind(await hashToken(nonce), createdAt, expiresAt),
  ]);
}

export async function isAdminSessionLive(d: Db, nonce: string, now: number): Promise<boolean> {
  const r = await d
    .prepare("select 1 from admin_sessions where id = ? and revoked_at is null and expires_at > ?")
    .bind(await hashToken(nonce), now)
    .first();
  return r !== null;
}

export async function revokeAdminSession(d: Db, nonce: string, at: number): Promise<void> {
  await d
    .prepare("update admin_sessions set revoked_at = ?1 where id = ?2 and revoked_at is null")
    .bind(at, await hashToken(nonce))
    .run();
}
