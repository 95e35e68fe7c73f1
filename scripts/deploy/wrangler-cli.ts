/// <reference types="node" />
/**
 * `wrangler` as the deploy scripts run it: found on PATH (npm scripts put the project's own
 * first), output captured (and shown when asked), secrets only ever written to its stdin.
 */
import { spawn } from "node:child_process";

export interface WranglerRun {
  code: number;
  out: string;
}

export interface WranglerOptions {
  /** Written to stdin (a secret's value); never logged. */
  input?: string;
  /** Echo wrangler's output to the terminal as it comes (deploy, migrations). */
  show?: boolean;
}

export class WranglerCli {
  constructor(
    private readonly config: string,
    private readonly log: (line: string) => void,
  ) {}

  run(args: string[], opts: WranglerOptions = {}): Promise<WranglerRun> {
    return new Promise((resolveRun, reject) => {
      const child = spawn("wrangler", [...args, "--config", this.config], {
        stdio: ["pipe", "pipe", "pipe"],
        env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
      });
      let out = "";
      const take = (d: Buffer) => {
        out += d;
        if (opts.show) process.stdout.write(d);
      };
      child.stdout.on("data", take);
      child.stderr.on("data", take);
      child.on("error", (err) =>
        reject(new Error(`cannot run wrangler (${err.message}); run this through npm (npm run setup), which puts the project's wrangler on PATH`)),
      );
      child.on("close", (code) => resolveRun({ code: code ?? 1, out }));
      child.stdin.end(opts.input ?? "");
    });
  }

  /** Runs wrangler and fails with its output's tail when it fails. */
  async must(what: string, args: string[], opts: WranglerOptions = {}): Promise<string> {
    this.log(`• ${what}`);
    const r = await this.run(args, opts);
    if (r.code !== 0)
      throw new Error(`${what} failed (wrangler ${args.slice(0, 3).join(" ")} exited ${r.code}):\n${r.out.trim().split("\n").slice(-15).join("\n")}`);
    return r.out;
  }
}

/** The first JSON array in wrangler's output (list commands print one, sometimes after a banner). */
export function jsonArray<T>(out: string): T[] {
  const start = out.indexOf("[");
  const end = out.lastIndexOf("]");
  if (start < 0 || end < start) throw new Error(`expected a JSON list from wrangler, got:\n${out.slice(0, 500)}`);
  return JSON.parse(out.slice(start, end + 1)) as T[];
}
