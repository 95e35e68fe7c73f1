/** Invites: links that let a bucket owner finish one integration. Stored as SHA-256 hashes. */
import { camel, type Db } from "./db";
import type { invites } from "./schema";
import { hashToken } from "./tokens";

export type InviteRow = typeof invites.$inferSelect;

export { hashToken as hashInviteToken };

export async function insertInvite(d: Db, row: InviteRow): Promise<void> {
  await d
    .prepare("insert into invites (id, integration_id, token_hash, expires_at, created_at, used_at, revoked_at) values (?, ?, ?, ?, ?, ?, ?)")
    .bind(row.id, row.integrationId, row.tokenHash, row.expiresAt, row.createdAt, row.usedAt, row.revokedAt)
    .run();
}

export async function listInvites(d: Db, integrationId: string): Promise<InviteRow[]> {
  const { results } = await d.prepare("select * from invites where integration_id = ? order by created_at desc, id").bind(integrationId).all();
  return results.map((r) => camel<InviteRow>(r));
}

/** The invite a token opens: known, not revoked, not expired. */
export async function findLiveInvite(d: Db, tokenHash: string, now: number): Promise<InviteRow | null> {
  const r = await d.prepare("select * from invites where token_hash = ? and revoked_at is null and expires_at > ?").bind(tokenHash, now).first();
  return r ? camel<InviteRow>(r) : null;
}

export async function getInvite(d: Db, id: string): Promise<InviteRow | null> {
  const r = await d.prepare("select * from invites where id = ?").bind(id).first();
  return r ? camel<InviteRow>(r) : null;
}

/** Revokes (keeps the row for the list and the audit trail); false when there is no such invite. */
export async function revokeInvite(d: Db, id: string, at: number): Promise<boolean> {
  const r = await d.prepare("update invites set revoked_at = coalesce(revoked_at, ?) where id = ?").bind(at, id).run();
  return (r.meta?.changes ?? 0) > 0;
}

export async function markInviteUsed(d: Db, id: string, at: number): Promise<void> {
  await d.prepare("update invites set used_at = ? where id = ? and used_at is null").bind(at, id).run();
}

export async function deleteInvitesOf(d: Db, integrationId: string): Promise<void> {
  await d.prepare("delete from invites where integration_id = ?").bind(integrationId).run();
}

const iso = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());

export function inviteToJson(i: InviteRow) {
  return {
    id: i.id,
    integrationId: i.integrationId,
    expiresAt: iso(i.expiresAt)!,
    createdAt: iso(i.createdAt)!,
    usedAt: iso(i.usedAt),
    revokedAt: iso(i.revokedAt),
  };
}
