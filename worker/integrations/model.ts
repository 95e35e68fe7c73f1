/**
 * The integration as the rest of the Worker sees it: the D1 row with JSON columns parsed,
 * and (for the hot path) its allowlist and scopes compiled once per cache fill.
 */
import type { integrations } from "../store/schema";
import { IpAllowlist } from "../http/ip/allowlist";

export type IntegrationRow = typeof integrations.$inferSelect;
export type Provider = IntegrationRow["provider"];

export interface Scope {
  bucket: string;
  /** Key prefix ("" = the whole bucket), compared byte for byte with the key that is signed. */
  prefix: string;
}

export interface Integration {
  row: IntegrationRow;
  id: string;
  scopes: Scope[];
  writeScopes: Scope[];
  ipAllowlist: IpAllowlist;
  settings: Record<string, unknown>;
}

export function parseScope(s: string): Scope {
  const slash = s.indexOf("/");
  return slash < 0 ? { bucket: s, prefix: "" } : { bucket: s.slice(0, slash), prefix: s.slice(slash + 1) };
}

function jsonArray(text: string): string[] {
  try {
    const v = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

function jsonObject(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

export function compileIntegration(row: IntegrationRow): Integration {
  return {
    row,
    id: row.id,
    scopes: jsonArray(row.scopes).map(parseScope),
    writeScopes: jsonArray(row.writeScopes).map(parseScope),
    // Entries are validated on write; a row edited by hand with a bad entry fails closed.
    ipAllowlist: safeAllowlist(jsonArray(row.ipAllowlist)),
    settings: jsonObject(row.settings),
  };
}

function safeAllowlist(entries: string[]): IpAllowlist {
  try {
    return IpAllowlist.parse(entries);
  } catch {
    return IpAllowlist.parse(["0.0.0.0/32"]); // matches no real client: fail closed
  }
}

/** An empty scope list allows everything the role allows. */
export function scopeFor(scopes: Scope[], bucket: string, key: string): Scope | null {
  if (scopes.length === 0) return { bucket, prefix: "" };
  for (const s of scopes) if (s.bucket === bucket && key.startsWith(s.prefix)) return s;
  return null;
}

export function effectiveUrlTtl(row: IntegrationRow, defaultUrlTtl: number): number {
  return row.urlTtlSeconds ?? defaultUrlTtl;
}

const iso = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());

/** The SPEC's JSON shape. Secrets (the static secret key) are never part of it. */
export function integrationToJson(row: IntegrationRow, defaultUrlTtl: number) {
  const settings = jsonObject(row.settings);
  return {
    id: row.id,
    name: row.name,
    provider: row.provider,
    ...(row.provider === "aws_role" ? { identity: row.identity } : {}),
    roleArn: row.roleArn,
    externalId: row.externalId,
    accessKeyId: row.accessKeyId,
    hasSecretAccessKey: row.secretAccessKeyEnc != null,
    region: row.region,
    endpoint: row.endpoint,
    scopes: jsonArray(row.scopes),
    ipAllowlist: jsonArray(row.ipAllowlist),
    urlTtlSeconds: effectiveUrlTtl(row, defaultUrlTtl),
    sessionDurationSeconds: row.sessionDurationSeconds,
    writeScopes: jsonArray(row.writeScopes),
    requireSignedLinks: row.requireSignedLinks,
    isDefault: row.isDefault === true,
    status: row.status,
    ...(row.provider === "gcs" || row.provider === "azure" ? settings : {}),
    lastCheckedAt: iso(row.lastCheckedAt),
    lastUsedAt: iso(row.lastUsedAt),
    createdAt: iso(row.createdAt)!,
    updatedAt: iso(row.updatedAt)!,
  };
}
