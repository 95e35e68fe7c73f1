/// <reference types="node" />
/** What setup and upgrade share: migrations + deploy, the deployed URL, the admin token file. */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { WranglerCli } from "./wrangler-cli";

/** Where setup keeps a generated admin token (mode 0600, git-ignored), next to wrangler.toml. */
export function adminTokenFile(config: string): string {
  return join(dirname(config), ".signpost", "admin-token");
}

export async function saveAdminToken(config: string, token: string): Promise<string> {
  const file = adminTokenFile(config);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, token + "\n", { mode: 0o600 });
  return file;
}

export async function savedAdminToken(config: string): Promise<string | undefined> {
  if (process.env.SIGNPOST_ADMIN_TOKEN) return process.env.SIGNPOST_ADMIN_TOKEN;
  return (await readFile(adminTokenFile(config), "utf8").catch(() => "")).trim() || undefined;
}

/** The URL `wrangler deploy` reports (workers.dev, or a custom domain), or null. */
export function deployedUrl(out: string): string | null {
  const lines = out.split("\n");
  const from = Math.max(
    0,
    lines.findIndex((l) => /Deployed .* triggers/.test(l)),
  );
  for (const l of lines.slice(from)) {
    const m = /^\s*(https?:\/\/[^\s/]+)\/?\s*(\(custom domain\))?\s*$/.exec(l);
    if (m) return m[1]!;
  }
  return null;
}

/** Migrations first (the new code may need them; old code ignores new tables), then the deploy. */
export async function migrateAndDeploy(wrangler: WranglerCli): Promise<string | null> {
  await wrangler.must("Applying D1 migrations (wrangler d1 migrations apply DB --remote)", ["d1", "migrations", "apply", "DB", "--remote"], { show: true });
  const out = await wrangler.must("Deploying (wrangler deploy)", ["deploy"], { show: true });
  return deployedUrl(out);
}

export interface Args {
  flags: Set<string>;
  values: Map<string, string>;
}

/** `--yes`, `--name=value` and `--name value`. */
export function parseArgs(argv: string[], valued: readonly string[]): Args {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unexpected argument ${a}`);
    if (valued.includes(m[1]!)) {
      const v = m[2] ?? argv[++i];
      if (v === undefined) throw new Error(`--${m[1]} needs a value`);
      values.set(m[1]!, v);
    } else if (m[2] === undefined) flags.add(m[1]!);
    else throw new Error(`unknown option --${m[1]}`);
  }
  return { flags, values };
}
