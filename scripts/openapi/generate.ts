/// <reference types="node" />
/**
 * `npm run openapi`: writes public/openapi.json (the Worker serves it at GET /openapi.json)
 * and the TypeScript client's types generated from it. `--check` writes nothing and fails
 * when either committed file differs from what the schemas produce.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDocument } from "./document";
import { clientTypes } from "./client-types";
import { surfaces } from "./surfaces";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const DOCUMENT_PATH = join(ROOT, "public", "openapi.json");
export const CLIENT_TYPES_PATH = join(ROOT, "clients", "typescript", "types.ts");

export async function openapiDocument(): Promise<Record<string, unknown>> {
  const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { version: string };
  return buildDocument(surfaces, { version: pkg.version });
}

export function serialise(doc: unknown): string {
  return JSON.stringify(doc, null, 2) + "\n";
}

async function main(): Promise<void> {
  const check = process.argv.includes("--check");
  const doc = await openapiDocument();
  const outputs: Array<[string, string]> = [
    [DOCUMENT_PATH, serialise(doc)],
    [CLIENT_TYPES_PATH, clientTypes(doc as Parameters<typeof clientTypes>[0])],
  ];
  let stale = 0;
  for (const [path, text] of outputs) {
    const current = await readFile(path, "utf8").catch(() => "");
    if (current === text) continue;
    if (check) {
      console.error(`${path} is out of date: run npm run openapi`);
      stale++;
    } else {
      await writeFile(path, text);
      console.log(`wrote ${path}`);
    }
  }
  if (stale) process.exit(1);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
