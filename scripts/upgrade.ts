/// <reference types="node" />
/**
 * `npm run upgrade`: after `git pull && npm ci`, applies the new D1 migrations, deploys, and
 * smoke-tests the deployment (the admin API too when SIGNPOST_ADMIN_TOKEN or the token file
 * setup wrote is at hand). Options: --config PATH, --url URL, --oidc-issuer URL.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { WranglerCli } from "./deploy/wrangler-cli";
import { varValue } from "./deploy/config-file";
import { migrateAndDeploy, parseArgs, savedAdminToken } from "./deploy/deployment";
import { smokeTest } from "./deploy/smoke";
import { ROOT } from "./wrangler-process";

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), ["config", "url", "oidc-issuer"]);
  const config = resolve(args.values.get("config") ?? resolve(ROOT, "wrangler.toml"));
  const toml = await readFile(config, "utf8");
  const log = (line: string) => console.log(line);
  const reported = await migrateAndDeploy(new WranglerCli(config, log));
  const url = args.values.get("url") ?? reported;
  if (!url) throw new Error("wrangler deploy reported no URL: run again with --url https://your-signpost-host for the smoke test");
  log(`• Smoke test of ${url}`);
  await smokeTest({
    url,
    adminToken: await savedAdminToken(config),
    oidcIssuer: args.values.get("oidc-issuer") ?? (varValue(toml, "OIDC_ISSUER") || undefined),
    log,
  });
  log(`\nsignpost at ${url} is upgraded.`);
}

main().catch((err: unknown) => {
  console.error(`\nupgrade stopped: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
