/**
 * The harness world (test/support/harness.ts) with all three clouds behind `fetch`: the fake
 * AWS, the fake Google and the fake Azure (test/fakes/), each verifying signatures on its own.
 * signpost's Google key is created by the fake Google at run time (no key is committed);
 * signpost's Azure app is the one vitest.config.ts binds (AZURE_CLIENT_ID/SECRET).
 *
 * The fakes live for the whole test file; each world starts with empty D1/KV and empty
 * signpost caches. Tests use their own bucket/account names, or restore what they break.
 */
import { FakeGoogle, OBJECT_VIEWER } from "../../scripts/fakes/google";
import { DATA_READER, DELEGATOR, FakeAzure } from "../../scripts/fakes/azure";
import { awsRoute } from "../fakes/install";
import { installFakeFetch } from "../support/fake-fetch";
import { newWorld, testEnv, type World } from "../support/harness";
import { forgetProviderCaches } from "../../worker/providers/caches";
import type { Env } from "../../worker/env";

export const SIGNPOST_SA = "signpost@signpost-prod.iam.gserviceaccount.com";
export const CLIENT_ID = testEnv.AZURE_CLIENT_ID!;
export const CLIENT_SECRET = testEnv.AZURE_CLIENT_SECRET!;
export const ORIGIN = "https://label.example.com";

export interface ProviderWorld extends World {
  google: FakeGoogle;
  azure: FakeAzure;
}

let fakes: { google: FakeGoogle; azure: FakeAzure; keyFile: string } | null = null;

async function sharedFakes() {
  if (!fakes) {
    const google = new FakeGoogle();
    const keyFile = (await google.createServiceAccount(SIGNPOST_SA)).keyFile;
    const azure = new FakeAzure();
    azure.registerApp(CLIENT_ID, CLIENT_SECRET);
    fakes = { google, azure, keyFile };
  }
  return fakes;
}

export async function providerWorld(vars: Partial<Record<keyof Env, string>> = {}): Promise<ProviderWorld> {
  const { google, azure, keyFile } = await sharedFakes();
  const w = await newWorld({ GCP_SERVICE_ACCOUNT_KEY: keyFile, OUTBOUND_ATTEMPTS: "2", ...vars });
  w.installed.restore();
  forgetProviderCaches();
  google.clearFaults();
  azure.clearFaults();
  const installed = installFakeFetch({ routes: [awsRoute(w.fake), google, azure] });
  return { ...w, google, azure, installed, close: () => installed.restore() };
}

// ---------------------------------------------------------------------------------------
// The bucket owners' side, as the admin page's commands set it up

export interface GcsOwner {
  email: string;
  bucket: string;
}

/** A service account with Storage Object Viewer on a bucket with CORS (the frontend's origin and null), and Token Creator for signpost. */
export async function gcsOwner(
  w: ProviderWorld,
  o: { email: string; bucket: string; cors?: boolean; tokenCreator?: boolean; viewer?: boolean },
): Promise<GcsOwner> {
  await w.google.createServiceAccount(o.email);
  w.google.createBucket(o.bucket, {
    cors: o.cors === false ? [] : [{ origin: [ORIGIN, "null"], method: ["GET", "HEAD"], responseHeader: ["Content-Range", "Range"], maxAgeSeconds: 3600 }],
  });
  if (o.viewer !== false) w.google.grantBucketRole(o.bucket, o.email, OBJECT_VIEWER);
  if (o.tokenCreator !== false) w.google.grantTokenCreator(o.email, SIGNPOST_SA);
  return { email: o.email, bucket: o.bucket };
}

export interface AzureOwner {
  tenantId: string;
  account: string;
  container: string;
  /** signpost's service principal in the tenant (after consent). */
  oid: string | null;
}

/** A tenant that consented signpost's app, a storage account with CORS, Delegator + Data Reader. */
export function azureOwner(
  w: ProviderWorld,
  o: { tenantId: string; account: string; container: string; consent?: boolean; cors?: boolean; delegator?: boolean; reader?: boolean },
): AzureOwner {
  w.azure.createTenant(o.tenantId);
  w.azure.createAccount(o.account, o.tenantId, {
    cors:
      o.cors === false
        ? []
        : [{ allowedOrigins: [ORIGIN, "null"], allowedMethods: ["GET", "HEAD", "OPTIONS"], allowedHeaders: ["Range"], maxAgeInSeconds: 3600 }],
  });
  w.azure.createContainer(o.account, o.container);
  let oid: string | null = null;
  if (o.consent !== false) {
    oid = w.azure.consent(o.tenantId, CLIENT_ID);
    if (o.delegator !== false) w.azure.assignRole(o.account, oid, DELEGATOR);
    if (o.reader !== false) w.azure.assignRole(o.account, oid, DATA_READER, o.container);
  }
  return { tenantId: o.tenantId, account: o.account, container: o.container, oid };
}

/** Follows a 302 through the faked fetch. */
export async function followTo(res: Response, init?: RequestInit): Promise<Response> {
  const location = res.headers.get("location");
  if (res.status !== 302 || !location) throw new Error(`expected a redirect, got ${res.status}: ${await res.text()}`);
  return fetch(location, init);
}

export interface Report {
  ok: boolean;
  checks: Array<{ name: string; status: string; message: string; hint?: string }>;
}

export async function validate(w: World, id: string, body: unknown = {}): Promise<Report> {
  const res = await w.admin("POST", `/admin/api/integrations/${id}/validate`, body);
  if (res.status !== 200) throw new Error(`validate: ${res.status} ${await res.text()}`);
  return (await res.json()) as Report;
}

export function check(r: Report, name: string) {
  const c = r.checks.find((x) => x.name === name);
  if (!c) throw new Error(`no check ${name} in ${JSON.stringify(r.checks.map((x) => x.name))}`);
  return c;
}

export async function create(w: World, body: Record<string, unknown>): Promise<Record<string, unknown> & { id: string }> {
  const res = await w.admin("POST", "/admin/api/integrations", body);
  if (res.status !== 201) throw new Error(`create: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown> & { id: string };
}
