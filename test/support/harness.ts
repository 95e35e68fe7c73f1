/**
 * The world every Worker test runs in: the real Worker (called in-process with the real
 * D1 and KV bindings of this test file), and a fake AWS on the other side of `fetch` that
 * verifies every signature with the official AWS signer.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../worker/index";
import type { Env } from "../../worker/env";
import { FakeAws, type IamPolicy } from "../../scripts/fakes/aws";
import { installFakeAws, type InstalledFake } from "../fakes/install";
import { forgetIntegrations } from "../../worker/integrations/resolve";
import { forgetCredentials } from "../../worker/providers/aws/credentials";
import { forgetPrincipal } from "../../worker/integrations/principal";
import { forgetUsage } from "../../worker/integrations/usage";
import { forgetTokens } from "../../worker/http/api-auth";
import { forgetRevalidationClaims } from "../../worker/ops/revalidate";
import { forgetUsageCounts } from "../../worker/ops/usage";

export const BASE = "https://signpost.test";
export const PRINCIPAL_ARN = "arn:aws:iam::111122223333:user/signpost";
export const OWNER_ACCOUNT = "444455556666";
export const testEnv = env as unknown as Env;

export interface World {
  fake: FakeAws;
  env: Env;
  installed: InstalledFake;
  /** Calls the Worker; waits for its waitUntil work before returning. */
  call(path: string, init?: RequestInit & { ip?: string | null }): Promise<Response>;
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  close(): void;
}

/** Each test starts from empty tables and an empty credential cache (storage is per file). */
export async function resetStorage(): Promise<void> {
  await testEnv.DB.batch(
    ["integrations", "api_tokens", "validation_runs", "audit_log", "usage_counts", "revalidation_claims", "last_errors", "admin_sessions"].map((t) =>
      testEnv.DB.prepare(`delete from ${t}`),
    ),
  );
  const keys = await testEnv.CREDENTIALS.list();
  await Promise.all(keys.keys.map((k) => testEnv.CREDENTIALS.delete(k.name)));
}

export async function newWorld(vars: Partial<Record<keyof Env, string>> = {}): Promise<World> {
  await resetStorage();
  forgetIntegrations();
  forgetCredentials();
  forgetPrincipal();
  forgetUsage();
  forgetTokens();
  forgetRevalidationClaims();
  forgetUsageCounts();
  const fake = new FakeAws();
  fake.addPrincipal({ arn: PRINCIPAL_ARN, accessKeyId: testEnv.AWS_ACCESS_KEY_ID!, secretAccessKey: testEnv.AWS_SECRET_ACCESS_KEY! });
  const installed = installFakeAws(fake);
  // Short outbound timeouts keep fault tests fast; production defaults are in config.ts.
  // Rate limits are tested on their own (test/security/rate-limit.test.ts); elsewhere the
  // in-isolate fallback with a high limit keeps long test loops from tripping them.
  const e: Env = {
    ...testEnv,
    OUTBOUND_TIMEOUT_MS: "1500",
    RATE_LIMITER: undefined,
    LOGIN_RATE_LIMITER: undefined,
    FAILURE_RATE_LIMITER: undefined,
    RATE_LIMIT_PER_MINUTE: "100000",
    FAILURE_RATE_LIMIT_PER_MINUTE: "100000",
    LOGIN_RATE_LIMIT_PER_MINUTE: "100000",
    ...vars,
  } as Env;
  const world: World = {
    fake,
    env: e,
    installed,
    async call(path, init = {}) {
      const { ip = "203.0.113.7", ...rest } = init;
      const headers = new Headers(rest.headers);
      if (ip !== null && !headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", ip);
      const ctx = createExecutionContext();
      const res = await worker.fetch(new Request(path.startsWith("http") ? path : BASE + path, { ...rest, headers, redirect: "manual" }), e, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    },
    admin(method, path, body) {
      return world.call(path, {
        method,
        headers: { authorization: `Bearer ${testEnv.ADMIN_TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    },
    close() {
      installed.restore();
    },
  };
  return world;
}

export function readPolicy(resources: string[], actions = ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketCORS"]): IamPolicy {
  return { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: actions, Resource: resources }] };
}

export interface RoleSetup {
  name?: string;
  bucket?: string;
  region?: string;
  scopes?: string[];
  roleName?: string;
  /** false: the role's trust policy has no External ID condition (insecure). */
  requireExternalId?: boolean;
  maxSessionDuration?: number;
  policy?: IamPolicy;
  fields?: Record<string, unknown>;
}

/** The onboarding flow: create → External ID → the owner's role → paste the ARN. */
export async function createRoleIntegration(w: World, s: RoleSetup = {}) {
  const bucket = s.bucket ?? "media-bucket";
  const region = s.region ?? "us-east-1";
  const partition = region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
  const created = await w.admin("POST", "/admin/api/integrations", { name: s.name ?? "Acme", region, scopes: s.scopes ?? [bucket], ...s.fields });
  if (created.status !== 201) throw new Error(`create failed: ${created.status} ${await created.text()}`);
  const integ = (await created.json()) as { id: string; externalId: string };
  const roleArn = `arn:${partition}:iam::${OWNER_ACCOUNT}:role/${s.roleName ?? "signpost-" + integ.id}`;
  w.fake.addRole({
    arn: roleArn,
    trustedPrincipals: [PRINCIPAL_ARN],
    externalId: s.requireExternalId === false ? undefined : integ.externalId,
    maxSessionDuration: s.maxSessionDuration,
    policy: s.policy ?? readPolicy([`arn:${partition}:s3:::${bucket}`, `arn:${partition}:s3:::${bucket}/*`]),
  });
  const patched = await w.admin("PATCH", `/admin/api/integrations/${integ.id}`, { roleArn });
  if (patched.status !== 200) throw new Error(`patch failed: ${patched.status} ${await patched.text()}`);
  return { ...(integ as Record<string, unknown>), id: integ.id, externalId: integ.externalId, roleArn };
}

/** Follows a 302 to the fake S3 (through the stubbed fetch) and returns the response. */
export async function follow(res: Response): Promise<Response> {
  const location = res.headers.get("location");
  if (res.status !== 302 || !location) throw new Error(`expected a redirect, got ${res.status}: ${await res.text()}`);
  return fetch(location);
}

export async function errorOf(res: Response): Promise<{ code: string; message: string; hint?: string; requestId: string }> {
  const body = (await res.json()) as { error: { code: string; message: string; hint?: string; requestId: string } };
  return body.error;
}

/** Creates an API token through the admin API; returns the secret (shown once). */
export async function apiToken(w: World, integrations?: string[]): Promise<string> {
  const res = await w.admin("POST", "/admin/api/tokens", { name: "backend", ...(integrations ? { integrations } : {}) });
  if (res.status !== 201) throw new Error(`token create failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

export function bearer(token: string, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...extra };
}
