/** D1 queries on the integrations table. */
import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "./db";
import { integrations } from "./schema";
import type { IntegrationRow } from "../integrations/model";

export type NewIntegrationRow = typeof integrations.$inferInsert;

export async function getIntegrationRow(d: Db, id: string): Promise<IntegrationRow | null> {
  return (await d.select().from(integrations).where(eq(integrations.id, id)).get()) ?? null;
}

export async function getDefaultIntegrationRow(d: Db): Promise<IntegrationRow | null> {
  return (await d.select().from(integrations).where(eq(integrations.isDefault, true)).get()) ?? null;
}

/** The oldest integration with a scope on this bucket (`bucket` or `bucket/prefix…`). */
export async function findIntegrationRowByBucket(d: Db, bucket: string): Promise<IntegrationRow | null> {
  const row = await d
    .select()
    .from(integrations)
    .where(
      sql`exists (select 1 from json_each(${integrations.scopes}) s where s.value = ${bucket} or substr(s.value, 1, ${bucket.length + 1}) = ${bucket + "/"})`,
    )
    .orderBy(asc(integrations.createdAt), asc(integrations.id))
    .get();
  return row ?? null;
}

export async function listIntegrationRows(d: Db): Promise<IntegrationRow[]> {
  return d.select().from(integrations).orderBy(asc(integrations.createdAt), asc(integrations.id)).all();
}

export async function insertIntegrationRow(d: Db, row: NewIntegrationRow): Promise<IntegrationRow> {
  // The first integration becomes the default: decided in the same statement, so two
  // concurrent first creates cannot both become it (the unique index would refuse anyway).
  await d.run(sql`insert into integrations (id, name, provider, role_arn, external_id, access_key_id, secret_access_key_enc, region, endpoint, scopes, ip_allowlist, write_scopes, url_ttl_seconds, session_duration_seconds, require_signed_links, is_default, status, external_id_insecure, settings, created_at, updated_at)
    values (${row.id}, ${row.name}, ${row.provider}, ${row.roleArn ?? null}, ${row.externalId ?? null}, ${row.accessKeyId ?? null}, ${row.secretAccessKeyEnc ?? null}, ${row.region ?? "us-east-1"}, ${row.endpoint ?? null}, ${row.scopes ?? "[]"}, ${row.ipAllowlist ?? "[]"}, ${row.writeScopes ?? "[]"}, ${row.urlTtlSeconds ?? null}, ${row.sessionDurationSeconds ?? 3600}, ${row.requireSignedLinks ? 1 : 0},
      case when exists (select 1 from integrations where is_default = 1) then null else 1 end, 'unchecked', 0, ${row.settings ?? "{}"}, ${row.createdAt}, ${row.updatedAt})`);
  return (await getIntegrationRow(d, row.id))!;
}

export async function updateIntegrationRow(d: Db, id: string, patch: Partial<NewIntegrationRow>): Promise<IntegrationRow | null> {
  if (Object.keys(patch).length > 0) await d.update(integrations).set(patch).where(eq(integrations.id, id)).run();
  return getIntegrationRow(d, id);
}

export async function deleteIntegrationRow(d: Db, id: string): Promise<boolean> {
  const res = await d.delete(integrations).where(eq(integrations.id, id)).run();
  return (res.meta?.changes ?? 0) > 0;
}

/** Exactly one default afterwards: both statements run in one D1 batch (a transaction). */
export async function setDefaultIntegration(d: Db, id: string, at: number): Promise<void> {
  await d.batch([
    d.update(integrations).set({ isDefault: null }).where(eq(integrations.isDefault, true)),
    d.update(integrations).set({ isDefault: true, updatedAt: at }).where(eq(integrations.id, id)),
  ]);
}

/** Best-effort, throttled by the caller: never on the response path. */
export async function touchLastUsed(d: Db, id: string, at: number): Promise<void> {
  await d
    .update(integrations)
    .set({ lastUsedAt: at })
    .where(and(eq(integrations.id, id), sql`coalesce(${integrations.lastUsedAt}, 0) < ${at}`))
    .run();
}
