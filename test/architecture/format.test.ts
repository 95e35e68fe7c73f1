/// <reference types="node" />
/**
 * The tree stays formatted (Prettier, .prettierrc.json: printWidth 160): `npm run format`
 * fixes what this finds. Generated files, prose and data are in .prettierignore.
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

it("every source file is as Prettier formats it", () => {
  const bin = join(ROOT, "node_modules", "prettier", "bin", "prettier.cjs");
  const res = spawnSync(process.execPath, [bin, "--check", "--log-level", "warn", "."], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  expect(res.stdout + res.stderr, "run npm run format").toBe("");
  expect(res.status).toBe(0);
}, 90_000);
