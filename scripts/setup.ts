/// <reference types="node" />
/**
 * `npm run setup`: signpost on your Cloudflare account from nothing, in one go.
 *
 *   npx wrangler login        # once
 *   npm run setup             # asks a few questions
 *   npm run setup -- --yes    # no questions: defaults, flags and SIGNPOST_* variables
 *
 * Creates (or finds) the D1 database and the KV namespace and writes their ids into
 * wrangler.toml, sets the secrets signpost needs through `wrangler secret put` on stdin
 * (generated ones never printed; a generated admin token goes to .signpost/admin-token,
 * mode 0600), applies the migrations, deploys, and smoke-tests the deployed URL. Running it
 * again is safe: existing resources are reused and existing secrets are kept (a new
 * ENCRYPTION_KEY would make every stored secret unreadable).
 *
 * Options: --yes, --config PATH, --cors-origins LIST, --allowed-ips LIST, --oidc-issuer URL,
 * --url URL (smoke-test this URL instead of the one wrangler reports), --no-link-signing-key.
 * Variables (for --yes): SIGNPOST_AWS_ACCESS_KEY_ID, SIGNPOST_AWS_SECRET_ACCESS_KEY (signpost's
 * own IAM user), SIGNPOST_ADMIN_TOKEN; SIGNPOST_SMOKE_ATTEMPTS (default 10, 3 s apart).
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { delimiter, join, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { WranglerCli, jsonArray } from "./deploy/wrangler-cli";
import { bindingValue, isPlaceholderId, setBindingValue, setVar, varValue } from "./deploy/config-file";
import { migrateAndDeploy, parseArgs, saveAdminToken } from "./deploy/deployment";
import { smokeTest } from "./deploy/smoke";
import { ROOT } from "./wrangler-process";

const D1 = { header: "[[d1_databases]]", binding: "DB" };
const KV = { header: "[[kv_namespaces]]", binding: "CREDENTIALS" };
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

const log = (line: string) => console.log(line);

interface Answers {
  corsOrigins: string;
  allowedIps: string;
  awsAccessKeyId: string;
  awsSecretAccessKey: string;
  adminToken: string;
  linkSigningKey: boolean;
  oidcIssuer: string;
}

/** Questions on a terminal (or piped answers, one per line); secrets are not echoed on a TTY. */
class Questions {
  private rl = createInterface({ input: process.stdin, output: process.stdout, terminal: !!process.stdin.isTTY });
  // Lines are queued as they come, so piped answers are never lost between two questions.
  private lines = this.rl[Symbol.asyncIterator]();
  private muted = false;

  constructor() {
    const rl = this.rl as unknown as { _writeToOutput?: (s: string) => void };
    const write = rl._writeToOutput?.bind(rl);
    if (write) rl._writeToOutput = (s: string) => (this.muted && !s.includes("\n") ? undefined : write(s));
  }

  private async line(prompt: string, muted: boolean): Promise<string> {
    process.stdout.write(prompt);
    this.muted = muted;
    try {
      const next = await this.lines.next();
      if (next.done) throw new Error("no more answers on stdin");
      return String(next.value).trim();
    } finally {
      this.muted = false;
      if (!process.stdin.isTTY || muted) process.stdout.write("\n");
    }
  }

  async ask(question: string, fallback = ""): Promise<string> {
    return (await this.line(`${question}${fallback ? ` [${fallback}]` : ""}: `, false)) || fallback;
  }

  secret(question: string): Promise<string> {
    return this.line(`${question}: `, true);
  }

  async yes(question: string, fallback: boolean): Promise<boolean> {
    return (await this.ask(`${question} (y/n)`, fallback ? "y" : "n")).toLowerCase().startsWith("y");
  }

  close() {
    this.rl.close();
  }
}

async function gather(toml: string, args: ReturnType<typeof parseArgs>): Promise<Answers> {
  const given = (name: string, fallback: string) => args.values.get(name) ?? fallback;
  const defaults: Answers = {
    corsOrigins: given("cors-origins", varValue(toml, "CORS_ORIGINS") ?? ""),
    allowedIps: given("allowed-ips", varValue(toml, "ALLOWED_IPS") ?? ""),
    awsAccessKeyId: process.env.SIGNPOST_AWS_ACCESS_KEY_ID ?? "",
    awsSecretAccessKey: process.env.SIGNPOST_AWS_SECRET_ACCESS_KEY ?? "",
    adminToken: process.env.SIGNPOST_ADMIN_TOKEN ?? "",
    linkSigningKey: !args.flags.has("no-link-signing-key"),
    oidcIssuer: given("oidc-issuer", varValue(toml, "OIDC_ISSUER") ?? ""),
  };
  if (args.flags.has("yes")) return defaults;
  const q = new Questions();
  try {
    log("signpost setup: press Enter to keep the value in [brackets].\n");
    const corsOrigins = await q.ask("Origins of your labeling frontends, comma-separated (CORS_ORIGINS)", defaults.corsOrigins);
    const allowedIps = await q.ask("IPs/CIDRs allowed to use /v1/*, comma-separated, empty = everyone (ALLOWED_IPS)", defaults.allowedIps);
    const awsAccessKeyId = await q.ask("Access key id of signpost's own IAM user (empty: set it later)", defaults.awsAccessKeyId);
    const awsSecretAccessKey =
      awsAccessKeyId && !defaults.awsSecretAccessKey ? await q.secret("Its secret access key (not shown)") : defaults.awsSecretAccessKey;
    const adminToken = (await q.secret("Admin token, 16+ characters (empty: generate one)")) || defaults.adminToken;
    const linkSigningKey = await q.yes("Generate LINK_SIGNING_KEY for signed asset links", defaults.linkSigningKey);
    const oidcIssuer = await q.ask("OIDC issuer URL for keyless identity, e.g. https://signpost.example.com (empty: none)", defaults.oidcIssuer);
    if (!(await q.yes("Create the resources, set the secrets and deploy now", true))) throw new Error("stopped: nothing was changed");
    return { corsOrigins, allowedIps, awsAccessKeyId, awsSecretAccessKey, adminToken, linkSigningKey, oidcIssuer };
  } finally {
    q.close();
  }
}

/** The executable `name` as PATH finds it, or null. */
function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return null;
}

async function ensureD1(wrangler: WranglerCli, name: string): Promise<string> {
  const existing = jsonArray<{ uuid: string; name: string }>(await wrangler.must("Looking for the D1 database", ["d1", "list", "--json"])).find(
    (d) => d.name === name,
  );
  if (existing) {
    log(`  found D1 database ${name} (${existing.uuid})`);
    return existing.uuid;
  }
  const out = await wrangler.must(`Creating the D1 database ${name}`, ["d1", "create", name]);
  const id = /database_id\s*[=:]\s*"([^"]+)"/.exec(out)?.[1] ?? UUID.exec(out)?.[0];
  if (!id) throw new Error(`wrangler d1 create printed no database id:\n${out.slice(0, 500)}`);
  return id;
}

async function ensureKv(wrangler: WranglerCli, title: string): Promise<string> {
  const existing = jsonArray<{ id: string; title: string }>(await wrangler.must("Looking for the KV namespace", ["kv", "namespace", "list"])).find(
    (n) => n.title === title,
  );
  if (existing) {
    log(`  found KV namespace ${title} (${existing.id})`);
    return existing.id;
  }
  const out = await wrangler.must(`Creating the KV namespace ${title}`, ["kv", "namespace", "create", title]);
  const id = /\bid\s*[=:]\s*"([0-9a-f]{32})"/.exec(out)?.[1];
  if (!id) throw new Error(`wrangler kv namespace create printed no id:\n${out.slice(0, 500)}`);
  return id;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), ["config", "cors-origins", "allowed-ips", "oidc-issuer", "url"]);
  const config = resolve(args.values.get("config") ?? resolve(ROOT, "wrangler.toml"));
  let toml = await readFile(config, "utf8");
  const workerName = /^name\s*=\s*"([^"]+)"/m.exec(toml)?.[1] ?? "signpost";
  const wrangler = new WranglerCli(config, log);

  const who = await wrangler.run(["whoami"]);
  if (who.code !== 0 || /not authenticated|not logged in/i.test(who.out)) {
    throw new Error("wrangler is not logged in to Cloudflare: run `npx wrangler login` (or set CLOUDFLARE_API_TOKEN) and try again");
  }
  const answers = await gather(toml, args);
  if (answers.adminToken && answers.adminToken.length < 16) throw new Error("the admin token must have at least 16 characters");
  if (answers.awsAccessKeyId && !answers.awsSecretAccessKey)
    throw new Error("an AWS access key id needs its secret access key (SIGNPOST_AWS_SECRET_ACCESS_KEY)");

  // 1. Storage, and its ids in wrangler.toml.
  const dbName = bindingValue(toml, D1.header, D1.binding, "database_name") ?? workerName;
  const dbId = bindingValue(toml, D1.header, D1.binding, "database_id");
  toml = setBindingValue(toml, D1.header, D1.binding, "database_id", isPlaceholderId(dbId) ? await ensureD1(wrangler, dbName) : dbId!);
  const kvId = bindingValue(toml, KV.header, KV.binding, "id");
  toml = setBindingValue(toml, KV.header, KV.binding, "id", isPlaceholderId(kvId) ? await ensureKv(wrangler, `${workerName}-credentials`) : kvId!);
  toml = setVar(toml, "CORS_ORIGINS", answers.corsOrigins);
  toml = setVar(toml, "ALLOWED_IPS", answers.allowedIps);
  if (answers.oidcIssuer) toml = setVar(toml, "OIDC_ISSUER", answers.oidcIssuer);
  await writeFile(config, toml);
  log(`• Wrote the D1 and KV ids and the variables into ${config}`);

  // 2. Secrets: existing ones are kept.
  const out = await wrangler.run(["secret", "list", "--format", "json"]);
  const existing = new Set(out.code === 0 ? jsonArray<{ name: string }>(out.out).map((s) => s.name) : []);
  let adminToken = answers.adminToken;
  let tokenFile: string | null = null;
  const secrets: Array<[string, () => string]> = [
    ["ENCRYPTION_KEY", () => randomBytes(32).toString("base64")],
    [
      "ADMIN_TOKEN",
      () => {
        adminToken ||= randomBytes(32).toString("base64url");
        return adminToken;
      },
    ],
  ];
  if (answers.linkSigningKey) secrets.push(["LINK_SIGNING_KEY", () => randomBytes(32).toString("base64url")]);
  if (answers.awsAccessKeyId) secrets.push(["AWS_ACCESS_KEY_ID", () => answers.awsAccessKeyId], ["AWS_SECRET_ACCESS_KEY", () => answers.awsSecretAccessKey]);
  for (const [name, value] of secrets) {
    const replaceable = name === "ADMIN_TOKEN" ? !!answers.adminToken : name.startsWith("AWS_");
    if (existing.has(name) && !replaceable) {
      log(`  kept the existing secret ${name}`);
      continue;
    }
    await wrangler.must(`Setting the secret ${name}`, ["secret", "put", name], { input: value() });
    if (name === "ADMIN_TOKEN" && !answers.adminToken) tokenFile = await saveAdminToken(config, adminToken);
  }
  if (!answers.awsAccessKeyId && !existing.has("AWS_ACCESS_KEY_ID")) {
    log('  note: no AWS keys for signpost\'s IAM user yet (needed for aws_role integrations): see README "Deploying"');
  }
  if (answers.oidcIssuer && !existing.has("OIDC_SIGNING_KEY")) {
    const pkg = JSON.parse(await readFile(resolve(ROOT, "package.json"), "utf8")) as { scripts?: Record<string, string> };
    if (pkg.scripts?.["oidc:keygen"]) {
      log("• Generating OIDC_SIGNING_KEY (npm run oidc:keygen)");
      // The same wrangler as setup's (WRANGLER), so the key lands where the other secrets went.
      const r = spawnSync("npm", ["run", "--silent", "oidc:keygen"], {
        stdio: "inherit",
        cwd: ROOT,
        env: { ...process.env, WRANGLER: onPath("wrangler") ?? "wrangler" },
      });
      if (r.status !== 0) throw new Error("npm run oidc:keygen failed");
    } else {
      log("  note: OIDC_ISSUER is set but no OIDC_SIGNING_KEY: set it with `npx wrangler secret put OIDC_SIGNING_KEY` (a private JWK)");
    }
  }

  // 3. Migrations, deploy, smoke test.
  const reported = await migrateAndDeploy(wrangler);
  const url = args.values.get("url") ?? reported;
  if (!url) throw new Error("wrangler deploy reported no URL: run the smoke test with --url https://your-signpost-host");
  log(`• Smoke test of ${url}`);
  await smokeTest({ url, adminToken: adminToken || undefined, oidcIssuer: answers.oidcIssuer || undefined, log });
  log(`\nsignpost is deployed at ${url}`);
  log(`  admin page   ${url}/admin`);
  if (tokenFile) log(`  admin token  saved in ${tokenFile} (mode 600): the login of the admin page; keep it safe`);
  log("  upgrades     git pull && npm ci && npm run upgrade");
}

main().catch((err: unknown) => {
  console.error(`\nsetup stopped: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
