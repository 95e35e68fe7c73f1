/**
 * Admin input for an integration beyond its schema (worker/schemas/integrations.ts): the
 * fields signpost owns are refused (the External ID is generated, never chosen), strings must
 * be valid Unicode, endpoints must be safe, and the fields must agree with each other.
 */
import type * as z from "zod/mini";
import { ApiError } from "../http/errors";
import { isForbiddenEndpointHost, isLoopbackHost } from "../http/ip/endpoint-policy";
import { isValidRegion, parseRoleArn, partitionOfRegion } from "../aws/partition";
import { parseInput } from "../schemas/parse";

export {
  createIntegrationRequest as createSchema,
  patchIntegrationRequest as patchSchema,
  type CreateIntegrationInput as CreateInput,
  type PatchIntegrationInput as PatchInput,
} from "../schemas/integrations";

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
  return parseInput(schema, body);
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
      throw new ApiError(
        "invalid_request",
        "endpoint: must use https (plain http is allowed only for 127.0.0.1/localhost with ALLOW_HTTP_LOOPBACK_ENDPOINTS).",
      );
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
export function checkConsistency(
  f: { provider: string; identity?: string; roleArn?: string | null; region: string; endpoint?: string | null },
  opts: { dryRun?: boolean } = {},
): void {
  if (f.identity === "oidc" && f.provider !== "aws_role") throw new ApiError("invalid_request", `identity: "oidc" applies to aws_role integrations only.`);
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
