/// <reference types="node" />
/**
 * signpost running locally, for `npm start`, the browser test and the benchmark:
 * the fake AWS server (scripts/fake-aws-server.ts) plus `wrangler dev --local` pointed at it,
 * with fresh random secrets and signpost's own principal seeded in the fake.
 *
 * Everything listens on loopback. Secrets reach wrangler through a generated env file
 * (mode 0600, removed on stop), never the command line where `ps` would show them.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startFakeAwsServer, type FakeAwsServer } from "./fake-aws-server";
import { startFakeCloudServer, type FakeCloudServer } from "./fake-cloud-server";
import { runWrangler, startWranglerDev, type WranglerDev } from "./wrangler-process";
import type { FakeAws } from "./fakes/aws";

export const PRINCIPAL_ARN = "arn:aws:iam::111122223333:user/signpost";
/** A labeling frontend's dev server (Vite's default): what the `cors` check expects buckets to allow. */
export const DEFAULT_CORS_ORIGINS = "http://localhost:5173";

export interface LocalStackOptions {
  /** Port for signpost (default: a free one). */
  port?: number;
  /**
   * D1/KV state directory (default: a fresh temporary one, removed on stop). When given, the
   * generated secrets are kept in it too, so restarts keep the admin token and stored data.
   */
  persistTo?: string;
  /** More `--var`s for the Worker; they override the defaults (e.g. CORS_ORIGINS). */
  extraVars?: Record<string, string>;
  /** More secrets for the Worker (e.g. LINK_SIGNING_KEY), passed like the others through the env file. */
  extraSecrets?: Record<string, string>;
  /** false: no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY at all (a keyless deployment). Default true. */
  awsKeys?: boolean;
  /**
   * A wrangler config to run instead of the repository's wrangler.toml (`--config`, for both
   * `wrangler d1 migrations apply` and `wrangler dev`), e.g. the benchmark's generated copy.
   */
  config?: string;
  /** Port of workerd's V8 inspector (default: a free one); see `LocalStack.inspectorPort`. */
  inspectorPort?: number;
  /**
   * true: also the fake Google and fake Azure over HTTP (scripts/fake-cloud-server.ts), with
   * the GCP_ENDPOINT_URL_* and AZURE_ENDPOINT_URL_* overrides pointing at them. Default false.
   */
  fakeClouds?: boolean;
}

export interface LocalStack {
  /** `http://localhost:{port}`: localhost (not 127.0.0.1) so browsers keep the Secure session cookie on plain http. */
  url: string;
  /** signpost's port; it listens on 127.0.0.1. */
  port: number;
  adminToken: string;
  fakeAws: { url: string; fake: FakeAws };
  /** The fake Google and Azure, when started with `fakeClouds: true`. */
  fakeClouds: FakeCloudServer | null;
  /** Process group of `wrangler dev` and its workerd processes (for CPU accounting). */
  pgid: number;
  /** The V8 inspector of the Worker's isolate (`wrangler dev --inspector-port`), on 127.0.0.1. */
  inspectorPort: number;
  stop(): Promise<void>;
}

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
function randomUpper(n: number): string {
  return Array.from(randomBytes(n), (b) => B32[b & 31]).join("");
}

interface StackSecrets {
  adminToken: string;
  encryptionKey: string;
  principal: { accessKeyId: string; secretAccessKey: string };
}

function newSecrets(): StackSecrets {
  return {
    adminToken: randomBytes(24).toString("base64url"),
    encryptionKey: randomBytes(32).toString("base64"),
    principal: { accessKeyId: "AKIA" + randomUpper(16), secretAccessKey: randomBytes(30).toString("base64") },
  };
}

/**
 * Fresh random secrets; with persistent state they are kept next to it (mode 0600), so the
 * admin token stays the same across restarts and stored secrets can still be decrypted.
 */
async function stackSecrets(persistTo: string | undefined): Promise<StackSecrets> {
  if (!persistTo) return newSecrets();
  const file = join(persistTo, "signpost-local-secrets.json");
  try {
    const saved = JSON.parse(await readFile(file, "utf8")) as StackSecrets;
    if (saved.adminToken && saved.encryptionKey && saved.principal?.accessKeyId && saved.principal.secretAccessKey) return saved;
  } catch {
    // none yet (or unreadable): start over
  }
  const fresh = newSecrets();
  await writeFile(file, JSON.stringify(fresh, null, 2) + "\n", { mode: 0o600 });
  return fresh;
}

export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const scratch = await mkdtemp(join(tmpdir(), "signpost-stack-"));
  const persistTo = resolve(opts.persistTo ?? join(scratch, "state"));
  await mkdir(persistTo, { recursive: true });

  const secretValues = await stackSecrets(opts.persistTo ? persistTo : undefined);
  const principal = { arn: PRINCIPAL_ARN, ...secretValues.principal };
  if (opts.persistTo) {
    // The KV namespace only caches temporary credentials, and the ones it holds were issued
    // by a fake AWS that is gone now: the new one would refuse every URL signed with them.
    await rm(join(persistTo, "v3", "kv"), { recursive: true, force: true });
  }
  let fakeServer: FakeAwsServer | null = null;
  let fakeClouds: FakeCloudServer | null = null;
  let dev: WranglerDev | null = null;
  const cleanup = async () => {
    await dev?.stop();
    await fakeServer?.close().catch(() => undefined);
    await fakeClouds?.close().catch(() => undefined);
    await rm(scratch, { recursive: true, force: true });
  };

  try {
    fakeServer = await startFakeAwsServer({ seed: { principals: [principal] } });
    if (opts.fakeClouds) fakeClouds = await startFakeCloudServer();
    const adminToken = secretValues.adminToken;

    const envFile = join(scratch, "signpost.env");
    const secrets: Record<string, string> = {
      ADMIN_TOKEN: adminToken,
      ENCRYPTION_KEY: secretValues.encryptionKey,
      ...(opts.awsKeys === false ? {} : { AWS_ACCESS_KEY_ID: principal.accessKeyId, AWS_SECRET_ACCESS_KEY: principal.secretAccessKey }),
      ...opts.extraSecrets,
    };
    await writeFile(
      envFile,
      Object.entries(secrets)
        .map(([k, v]) => `${k}="${v}"\n`)
        .join(""),
      { mode: 0o600 },
    );

    const vars: Record<string, string> = {
      AWS_ENDPOINT_URL_STS: fakeServer.url,
      AWS_ENDPOINT_URL_S3: fakeServer.url,
      ALLOW_HTTP_LOOPBACK_ENDPOINTS: "true",
      CORS_ORIGINS: DEFAULT_CORS_ORIGINS,
      ...fakeClouds?.vars,
      ...opts.extraVars,
    };

    const configArgs = opts.config ? ["--config", opts.config] : [];
    await runWrangler(["d1", "migrations", "apply", "DB", "--local", ...configArgs, "--persist-to", persistTo], 60_000);

    const args = [...configArgs, "--env-file", envFile];
    for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
    dev = await startWranglerDev({
      args,
      persistTo,
      port: opts.port,
      inspectorPort: opts.inspectorPort,
      ready: {
        // Only this instance knows its admin token: another server on the port (or an old
        // signpost with other secrets) never passes for it.
        path: "/admin/api/integrations",
        status: 200,
        what: "signpost",
        headers: { authorization: `Bearer ${adminToken}` },
        bodyIncludes: '"integrations"',
      },
    });

    let stopped: Promise<void> | null = null;
    return {
      url: `http://localhost:${dev.port}`,
      port: dev.port,
      adminToken,
      fakeAws: { url: fakeServer.url, fake: fakeServer.fake },
      fakeClouds,
      pgid: dev.pgid,
      inspectorPort: dev.inspectorPort,
      stop: () => (stopped ??= cleanup()),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
