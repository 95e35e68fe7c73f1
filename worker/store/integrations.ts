/** D1 queries on the integrations table. */
import { camel, snake, type Db } from "./db";
import type { integrations } from "./schema";
import type { IntegrationRow } from "../integrations/model";

export type NewIntegrationRow = typeof integrations.$inferInsert;

const BOOLEAN = new Set(["requireSignedLinks", "externalIdInsecure"]);

function toRow(r: Record<string, unknown> | null): IntegrationRow | null {
  if (!r) return null;
  const row = camel<Record<string, unknown>>(r);
  for (const k of BOOLEAN) row[k] = row[k] === 1 || row[k] === true;
  row.isDefault = row.isDefault === 1 || row.isDefault === true ? true : null;
  return row as unknown as IntegrationRow;
}

export async function getIntegrationRow(d: Db, id: string): Promise<IntegrationRow | null> {
  return toRow(await d.prepare("select * from integrations where id = ?").bind(id).first());
}

export async function getDefaultIntegrationRow(d: Db): Promise<IntegrationRow | null> {
  return toRow(await d.prepare("select * from integrations where is_default = 1").first());
}

/** The oldest integration with a scope on this bucket (`bucket` or `bucket/prefix…`). */
export async function findIntegrationRowByBucket(d: Db, bucket: string): Promise<IntegrationRow | null> {
  return toRow(
    await d
      .prepare(
        "select * from integrations i where exists (select 1 from json_each(i.scopes) s where s.value = ?1 or substr(s.value, 1, length(?1) + 1) = ?1 || '/') order by created_at, id limit 1",
      )
      .bind(bucket)
      .first(),
  );
}

export async function listIntegrationRows(d: Db): Promise<IntegrationRow[]> {
  const { results } = await d.prepare("select * from integrations order by created_at, id").all();
  return results.map((r) => toRow(r)!);
}

/** The `limit` integrations checked longest ago; never-checked ones (NULL) first. */
export async function listLeastRecentlyChecked(d: Db, limit: number): Promise<IntegrationRow[]> {
  const { results } = await d
    .prepare("select * from integrations order by last_checked_at is not null, last_checked_at, created_at, id limit ?")
    .bind(limit)
    .all();
  return results.map((r) => toRow(r)!);
}

export async function insertIntegrationRow(d: Db, row: NewIntegrationRow): Promise<IntegrationRow> {
  // The first integration becomes the default: decided in the same statement, so two
  // concurrent first creates cannot both become it (the unique index would refuse anyway).
  await d
    .prepare(
      `insert into integrations (id, name, provider, identity, role_arn, external_id, access_key_id, secret_access_key_enc, region, endpoint, scopes, ip_allowlist, write_scopes, url_ttl_seconds, session_duration_seconds, require_signed_links, is_default, status, external_id_insecure, settings, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, case when exists (select 1 from integrations where is_default = 1) then null else 1 end, 'unchecked', 0, ?, ?, ?)`,
    )
    .bind(
      row.id,
      row.name,
      row.provider,
      row.identity ?? "principal",
      row.roleArn ?? null,
      row.externalId ?? null,
      row.accessKeyId ?? null,
      row.secretAccessKeyEnc ?? null,
      row.region ?? "us-east-1",
      row.endpoint ?? null,
      row.scopes ?? "[]",
      row.ipAllowlist ?? "[]",
      row.writeScopes ?? "[]",
      row.urlTtlSeconds ?? null,
      row.sessionDurationSeconds ?? 3600,
      row.requireSignedLinks ? 1 : 0,
      row.settings ?? "{}",
      row.createdAt,
      row.updatedAt,
    )
    .run();
  return (await getIntegrationRow(d, row.id))!;
}

export async function updateIntegrationRow(d: Db, id: string, patch: Partial<NewIntegrationRow>): Promise<IntegrationRow | null> {
  const entries = Object.entries(patch).filter(([, v]) => v !== undefined);
  if (entries.length > 0) {
    const sets = entries.map(([k]) => `${snake(k)} = ?`).join(", ");
    const values = entries.map(([k, v]) => (typeof v === "boolean" ? (k === "isDefault" ? (v ? 1 : null) : v ? 1 : 0) : v));
    await d
      .prepare(`update integrations set ${sets} where id = ?`)
      .bind(...values, id)
      .run();
  }
  return getIntegrationRow(d, id);
}

export async function deleteIntegrationRow(d: Db, id: string): Promise<boolean> {
  const res = await d.prepare("delete from integrations where id = ?").bind(id).run();
  return (res.meta?.changes ?? 0) > 0;
}

/** Exactly one default afterwards: both statements run in one D1 batch (a transaction). */
export async function setDefaultIntegration(d: Db, id: string, at: number): Promise<void> {
  await d.batch([
    d.prepare("update integrations set is_default = null where is_default = 1"),
    d.prepare("update integrations set is_default = 1, updated_at = ? where id = ?").bind(at, id),
  ]);
}

/** Moves status from `from` to `to`; true only for the one caller that made the change. */
export async function transitionStatus(d: Db, id: string, from: string, to: string): Promise<boolean> {
  if (from === to) return false;
  const res = await d.prepare("update integrations set status = ?1 where id = ?2 and status = ?3").bind(to, id, from).run();
  return (res.meta?.changes ?? 0) > 0;
}

/** Best-effort, throttled by the caller: never on the response path. */
export async function touchLastUsed(d: Db, id: string, at: number): Promise<void> {
  await d.prepare("update integrations set last_used_at = ?1 where id = ?2 and coalesce(last_used_at, 0) < ?1").bind(at, id).run();
}
