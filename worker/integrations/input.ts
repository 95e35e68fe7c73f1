/**
 * What the admin API accepts for an integration (zod). Unknown fields are refused rather
 * than ignored (a misspelt field silently ignored is a silent wrong answer), and so are the
 * fields signpost owns: the External ID is generated, never chosen.
 */
import { z } from "zod";
import { ApiError } from "../http/errors";
import { IpAllowlist, isForbiddenEndpointHost, isLoopbackHost } from "../http/ip";
import { isValidBucketName } from "../aws/bucket";
import { isValidRegion, parseRoleArn, partitionOfRegion } from "../aws/partition";

const scope = z
  .string()
  .min(3)
  .max(1100)
  .refine((s) => isValidBucketName(s.split("/")[0]!), { message: 'must be "bucket" or "bucket/prefix/" with a valid S3 bucket name' })
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), { message: "must not contain control characters" })
  .refine((s) => !s.split("/").slice(1).some((seg, i, all) => (seg === "." || seg === "..") && i < all.length), {
    message: 'must not contain "." or ".." segments',
  });

const cidr = z.string().refine(
  (s) => {
    try {
      IpAllowlist.parse([s]);
      return true;
    } catch {
      return false;
    }
  },
  { message: "must be an IPv4/IPv6 address or CIDR" },
);

const base = {
  name: z.string().trim().min(1).max(100),
  roleArn: z.string().trim().max(2048).nullable(),
  accessKeyId: z.string().trim().regex(/^[A-Za-z0-9_\-=.+/]{8,128}$/, "must look like an access key id").nullable(),
  secretAccessKey: z.string().min(8).max(512).nullable(),
  region: z.string().trim().min(1).max(32),
  endpoint: z.string().trim().max(2048).nullable(),
  scopes: z.array(scope).max(100),
  ipAllowlist: z.array(cidr).max(200),
  urlTtlSeconds: z.number().int().min(60).max(86400),
  sessionDurationSeconds: z.number().int().min(900).max(43200),
  writeScopes: z.array(scope).max(100),
  requireSignedLinks: z.boolean(),
  // gcs / azure (worker/providers): kept as provider settings
  serviceAccountEmail: z.string().trim().email().max(320).nullable(),
  tenantId: z.string().trim().regex(/^[0-9a-fA-F-]{36}$/, "must be a tenant id (GUID)").nullable(),
  accountName: z.string().trim().regex(/^[a-z0-9]{3,24}$/, "must be a storage account name").nullable(),
  containers: z.array(z.string().regex(/^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$/, "must be a container name")).max(100),
};

export const createSchema = z
  .object({
    ...Object.fromEntries(Object.entries(base).map(([k, v]) => [k, v.optional()])),
    name: base.name,
    provider: z.enum(["aws_role", "aws_keys", "gcs", "azure"]).default("aws_role"),
    dryRun: z.boolean().optional(),
    sampleKey: z.string().min(1).max(1024).optional(),
  })
  .strict();

export const patchSchema = z.object(Object.fromEntries(Object.entries(base).map(([k, v]) => [k, v.optional()]))).strict();

export type CreateInput = {
  name: string;
  provider: "aws_role" | "aws_keys" | "gcs" | "azure";
  dryRun?: boolean;
  sampleKey?: string;
} & Partial<{ [K in keyof typeof base]: z.infer<(typeof base)[K]> }>;
export type PatchInput = Partial<{ [K in keyof typeof base]: z.infer<(typeof base)[K]> }>;

const OWNED = new Set(["id", "externalId", "status", "isDefault", "lastCheckedAt", "lastUsedAt", "createdAt", "updatedAt", "provider"]);

export function parseBody<T>(schema: z.ZodType<T>, body: unknown, creating: boolean): T {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new ApiError("invalid_request", "The body must be a JSON object.");
  }
  for (const k of Object.keys(body)) {
    if (OWNED.has(k) && !(creating && k === "provider")) {
      const how = k === "externalId" ? "; use rotate-external-id" : k === "isDefault" ? "; use POST …/default" : "";
      throw new ApiError("invalid_request", `${k}: is managed by signpost and cannot be set${how}.`);
    }
  }
  const r = schema.safeParse(body);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const field = issue.path.join(".") || "body";
    const msg = issue.code === "unrecognized_keys" ? `unknown field ${(issue as { keys: string[] }).keys.join(", ")}` : issue.message;
    throw new ApiError("invalid_request", `${field}: ${msg}`);
  }
  return r.data;
}

export interface EndpointRules {
  allowHttpLoopback: boolean;
}

/** SPEC "Endpoints": https only (http on loopback with the dev flag), no userinfo/query/fragment, no private addresses. */
export function normaliseEndpoint(raw: string, rules: EndpointRules): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ApiError("invalid_request", "endpoint: is not a URL.");
  }
  if (u.username || u.password) throw new ApiError("invalid_request", "endpoint: must not contain credentials (user:password@).");
  if (u.search || u.hash || raw.includes("?") || raw.includes("#")) throw new ApiError("invalid_request", "endpoint: must not have a query or fragment.");
  const loopback = isLoopbackHost(u.hostname);
  if (u.protocol === "http:") {
    if (!(loopback && rules.allowHttpLoopback)) {
      throw new ApiError("invalid_request", "endpoint: must use https (plain http is allowed only for 127.0.0.1/localhost with ALLOW_HTTP_LOOPBACK_ENDPOINTS).");
    }
  } else if (u.protocol !== "https:") {
    throw new ApiError("invalid_request", "endpoint: must be an https URL.");
  }
  if (isForbiddenEndpointHost(u.hostname) && !(loopback && rules.allowHttpLoopback)) {
    throw new ApiError("invalid_request", "endpoint: must not point at a private, loopback, link-local or metadata address.");
  }
  return u.origin + u.pathname.replace(/\/+$/, "");
}

/** Cross-field rules: ARN shape and partition, region, provider needs. */
export function checkConsistency(f: { provider: string; roleArn?: string | null; region: string; endpoint?: string | null }, opts: { dryRun?: boolean } = {}): void {
  if (!isValidRegion(f.region, { customEndpoint: !!f.endpoint })) throw new ApiError("invalid_request", `region: "${f.region}" is not a valid region.`);
  if (f.roleArn) {
    const arn = parseRoleArn(f.roleArn);
    // A dry run reports a malformed ARN through the role_arn_format check instead.
    if (!arn && opts.dryRun) return;
    if (!arn) throw new ApiError("invalid_request", "roleArn: Role ARN is malformed (expected arn:aws:iam::123456789012:role/name).");
    if (!f.endpoint && arn.partition !== partitionOfRegion(f.region)) {
      throw new ApiError("invalid_request", `roleArn: the role is in partition ${arn.partition} but region ${f.region} is in ${partitionOfRegion(f.region)}.`);
    }
  }
}
