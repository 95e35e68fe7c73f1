/**
 * What the admin API accepts for an integration (zod). Unknown fields are refused rather
 * than ignored (a misspelt field silently ignored is a silent wrong answer), and so are the
 * fields signpost owns: the External ID is generated, never chosen.
 */
import * as z from "zod/mini";
import { en } from "zod/locales";
import { ApiError } from "../http/errors";
import { IpAllowlist, isForbiddenEndpointHost, isLoopbackHost } from "../http/ip";
import { isStorageBucketName } from "../aws/bucket";
import { isValidRegion, parseRoleArn, partitionOfRegion } from "../aws/partition";

// zod/mini keeps the bundle small (the classic API is ~90 KiB gzip); English messages only.
z.config(en());

const str = (min: number, max: number, trim = true) => z.string().check(...(trim ? [z.trim()] : []), z.minLength(min), z.maxLength(max));

function valid(check: (s: string) => boolean): (s: string) => boolean {
  return (s) => {
    try {
      return check(s);
    } catch {
      return false;
    }
  };
}

const scope = z.string().check(
  z.minLength(3),
  z.maxLength(1100),
  z.refine((s) => isStorageBucketName(s.split("/")[0]!), 'must be "bucket" or "bucket/prefix/" with a valid bucket or container name'),
  z.refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "must not contain control characters"),
  z.refine((s) => !s.split("/").slice(1).some((seg) => seg === "." || seg === ".."), 'must not contain "." or ".." segments'),
);

const cidr = z.string().check(z.refine(valid((s) => !IpAllowlist.parse([s]).isEmpty), "must be an IPv4/IPv6 address or CIDR"));
const seconds = (min: number, max: number) => z.int().check(z.minimum(min), z.maximum(max));

/** A user-managed service account: `name@project.iam.gserviceaccount.com` (domain-scoped projects add dotted labels). */
const SERVICE_ACCOUNT_EMAIL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?@[a-z0-9](?:[a-z0-9.-]{0,100}[a-z0-9])?\.iam\.gserviceaccount\.com$/;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const AZURE_CONTAINER = /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

const base = {
  name: str(1, 100),
  roleArn: z.nullable(str(0, 2048)),
  // Any id an S3-compatible service issues (MinIO and Ceph ids can be 3 characters): printable, no spaces.
  accessKeyId: z.nullable(z.string().check(z.trim(), z.regex(/^[^\s\u0000-\u001f\u007f-\u009f]{1,128}$/u, "must be 1..128 printable characters without spaces"))),
  secretAccessKey: z.nullable(str(8, 512, false)),
  region: str(1, 32),
  endpoint: z.nullable(str(0, 2048)),
  scopes: z.array(scope).check(z.maxLength(100)),
  ipAllowlist: z.array(cidr).check(z.maxLength(200)),
  urlTtlSeconds: seconds(60, 86400),
  sessionDurationSeconds: seconds(900, 43200),
  writeScopes: z.array(scope).check(z.maxLength(100)),
  requireSignedLinks: z.boolean(),
  // gcs / azure (worker/providers): kept as provider settings. These values end up in the
  // commands owners paste into a shell, so each is held to its real shape (and quoted there too).
  serviceAccountEmail: z.nullable(z.string().check(z.trim(), z.maxLength(254), z.regex(SERVICE_ACCOUNT_EMAIL, "must be a service account email (name@project.iam.gserviceaccount.com)"))),
  tenantId: z.nullable(z.string().check(z.trim(), z.regex(GUID, "must be a tenant id (GUID)"))),
  accountName: z.nullable(z.string().check(z.trim(), z.regex(/^[a-z0-9]{3,24}$/, "must be a storage account name (3-24 lowercase letters and digits)"))),
  containers: z.array(z.string().check(z.regex(AZURE_CONTAINER, "must be a container name (3-63 lowercase letters, digits and single hyphens)"))).check(z.maxLength(100)),
};

type Base = typeof base;
const optionalBase = Object.fromEntries(Object.entries(base).map(([k, v]) => [k, z.optional(v)])) as { [K in keyof Base]: z.ZodMiniOptional<Base[K]> };

export const createSchema = z.strictObject({
  ...optionalBase,
  name: base.name,
  provider: z._default(z.enum(["aws_role", "aws_keys", "gcs", "azure"]), "aws_role"),
  dryRun: z.optional(z.boolean()),
  sampleKey: z.optional(str(1, 1024, false)),
});

export const patchSchema = z.strictObject(optionalBase);

export type CreateInput = z.infer<typeof createSchema>;
export type PatchInput = z.infer<typeof patchSchema>;

const OWNED = new Set(["id", "externalId", "status", "isDefault", "lastCheckedAt", "lastUsedAt", "createdAt", "updatedAt", "provider"]);

export function parseBody<T>(schema: z.ZodMiniType<T>, body: unknown, creating: boolean): T {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new ApiError("invalid_request", "The body must be a JSON object.");
  }
  for (const k of Object.keys(body)) {
    if (OWNED.has(k) && !(creating && k === "provider")) {
      const how = k === "externalId" ? "; use rotate-external-id" : k === "isDefault" ? "; use POST …/default" : "";
      throw new ApiError("invalid_request", `${k}: is managed by signpost and cannot be set${how}.`);
    }
  }
  const broken = firstIllFormed(body, "");
  if (broken !== null) throw new ApiError("invalid_request", `${broken || "body"}: must be valid Unicode (it holds a lone surrogate).`);
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

/**
 * Path of the first string (or key) that is not well-formed UTF-16, or null: stored as is it
 * would come back as U+FFFD, a different value. Iterative, so no nesting depth can overflow.
 */
function firstIllFormed(root: unknown, rootPath: string): string | null {
  const stack: Array<[unknown, string]> = [[root, rootPath]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === "string") {
      if (!v.isWellFormed()) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], path ? `${path}.${i}` : String(i)]);
    } else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v).reverse()) {
        const here = path ? `${path}.${k}` : k;
        if (!k.isWellFormed()) return here;
        stack.push([x, here]);
      }
    }
  }
  return null;
}
