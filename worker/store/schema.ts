/**
 * D1 tables (drizzle-orm). `npm run db:generate` turns changes here into a new file in
 * migrations/, which `wrangler d1 migrations apply DB` applies. docs/storage.md describes
 * every table and KV key.
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { PROVIDER_IDS } from "../providers/ids";

export const integrations = sqliteTable(
  "integrations",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    provider: text("provider", { enum: PROVIDER_IDS }).notNull(),
    /** aws_role: "principal" (AssumeRole with signpost's keys) or "oidc" (AssumeRoleWithWebIdentity). */
    identity: text("identity", { enum: ["principal", "oidc"] })
      .notNull()
      .default("principal"),
    roleArn: text("role_arn"),
    externalId: text("external_id"),
    accessKeyId: text("access_key_id"),
    /** AES-GCM ciphertext (see worker/store/crypto.ts); never returned by the API. */
    secretAccessKeyEnc: text("secret_access_key_enc"),
    region: text("region").notNull().default("us-east-1"),
    endpoint: text("endpoint"),
    /** JSON arrays of strings. */
    scopes: text("scopes").notNull().default("[]"),
    ipAllowlist: text("ip_allowlist").notNull().default("[]"),
    writeScopes: text("write_scopes").notNull().default("[]"),
    /** null = DEFAULT_URL_TTL at request time. */
    urlTtlSeconds: integer("url_ttl_seconds"),
    sessionDurationSeconds: integer("session_duration_seconds").notNull().default(3600),
    requireSignedLinks: integer("require_signed_links", { mode: "boolean" }).notNull().default(false),
    /** 1 for the default integration, NULL otherwise: the unique index allows one default. */
    isDefault: integer("is_default", { mode: "boolean" }),
    status: text("status", { enum: ["unchecked", "valid", "invalid"] })
      .notNull()
      .default("unchecked"),
    /** Set by validation when the role can be assumed without the External ID: nothing is signed. */
    externalIdInsecure: integer("external_id_insecure", { mode: "boolean" }).notNull().default(false),
    /** Provider-specific settings that have no column of their own (gcs, azure). JSON object. */
    settings: text("settings").notNull().default("{}"),
    lastCheckedAt: integer("last_checked_at"),
    lastUsedAt: integer("last_used_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("integrations_external_id_unique").on(t.externalId), uniqueIndex("integrations_single_default").on(t.isDefault)],
);

export const validationRuns = sqliteTable(
  "validation_runs",
  {
    id: text("id").primaryKey(),
    integrationId: text("integration_id").notNull(),
    ok: integer("ok", { mode: "boolean" }).notNull(),
    /** JSON array of {name, status, message, hint}. */
    checks: text("checks").notNull(),
    checkedAt: integer("checked_at").notNull(),
  },
  (t) => [index("validation_runs_integration").on(t.integrationId, t.checkedAt)],
);

export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at").notNull(),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    /** JSON object; secrets are never written here. */
    detail: text("detail").notNull().default("{}"),
    requestId: text("request_id"),
    ip: text("ip"),
  },
  (t) => [index("audit_log_at").on(t.at)],
);

export const apiTokens = sqliteTable(
  "api_tokens",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** hex SHA-256 of the token; the token itself is shown once and never stored. */
    tokenHash: text("token_hash").notNull(),
    /** JSON array of integration ids; [] = every integration. */
    integrations: text("integrations").notNull().default("[]"),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at"),
  },
  (t) => [uniqueIndex("api_tokens_hash").on(t.tokenHash)],
);

export const adminSessions = sqliteTable(
  "admin_sessions",
  {
    /** hex SHA-256 of the session's random nonce; the cookie itself is never stored. */
    id: text("id").primaryKey(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    /** Set by logout: the cookie (and its CSRF token) is refused from then on. */
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("admin_sessions_expires_at").on(t.expiresAt)],
);

/**
 * Per-minute usage counts, one row per integration, minute and metric: `redirects`,
 * `sts_calls`, or `error:{code}`. Flushed from in-isolate counters (upserts that add);
 * pruned by the Cron Trigger after USAGE_RETENTION_DAYS.
 */
export const usageCounts = sqliteTable(
  "usage_counts",
  {
    integrationId: text("integration_id").notNull(),
    /** Epoch ms of the minute's start. */
    minute: integer("minute").notNull(),
    metric: text("metric").notNull(),
    count: integer("count").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.integrationId, t.minute, t.metric] }), index("usage_counts_minute").on(t.minute)],
);

/** At most one request-triggered re-validation per integration per 5 minutes, across isolates. */
export const revalidationClaims = sqliteTable("revalidation_claims", {
  integrationId: text("integration_id").primaryKey(),
  claimedAt: integer("claimed_at").notNull(),
});

/** The most recent error answer per integration (for the admin page), flushed with the usage counts. */
export const lastErrors = sqliteTable("last_errors", {
  integrationId: text("integration_id").primaryKey(),
  at: integer("at").notNull(),
  code: text("code").notNull(),
  status: integer("status").notNull(),
  requestId: text("request_id").notNull(),
});

export const invites = sqliteTable(
  "invites",
  {
    id: text("id").primaryKey(),
    integrationId: text("integration_id").notNull(),
    /** hex SHA-256 of the invite token; the token is in the creation response only. */
    tokenHash: text("token_hash").notNull(),
    expiresAt: integer("expires_at").notNull(),
    createdAt: integer("created_at").notNull(),
    /** First time the owner opened the invite (any /connect request). */
    usedAt: integer("used_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("invites_token_hash").on(t.tokenHash), index("invites_integration").on(t.integrationId, t.createdAt)],
);
