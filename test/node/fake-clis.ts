/// <reference types="node" />
/**
 * Fake `aws`, `gcloud` and `az` on PATH for running the setup scripts (test/fakes/cli/fake-cli.mjs),
 * and running a pasted command line the way a non-interactive shell would.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const FAKE_OWNER_ACCOUNT = "444455556666";
const FAKE_CLI = resolve("test/fakes/cli/fake-cli.mjs");

export interface Call {
  tool: string;
  argv: string[];
}

/**
 * /connect/* is rate-limited per client IP (30 a minute, the INVITE_RATE_LIMITER binding):
 * each download and each script run in the tests comes from its own documentation address,
 * through CF-Connecting-IP (curl reads it from the run's own ~/.curlrc).
 */
let nextIp = 1;
export const freshIp = () => `203.0.113.${nextIp++}`;

/** A scratch world for script runs: fake CLIs first on PATH, their call log and state. */
export function fakeTools(dir: string, name: string, fakeAwsUrl: string, state: Record<string, unknown> = {}) {
  const root = mkdtempSync(join(dir, `${name}-`));
  const bin = join(root, "bin");
  mkdirSync(bin);
  for (const tool of ["aws", "gcloud", "az"]) {
    const p = join(bin, tool);
    writeFileSync(p, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(FAKE_CLI)} ${tool} "$@"\n`);
    chmodSync(p, 0o755);
  }
  const log = join(root, "calls.jsonl");
  const statePath = join(root, "state.json");
  writeFileSync(statePath, JSON.stringify(state));
  writeFileSync(log, "");
  writeFileSync(join(root, ".curlrc"), `header = "CF-Connecting-IP: ${freshIp()}"\n`);
  return {
    env: {
      PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`,
      HOME: root,
      FAKE_CLI_LOG: log,
      FAKE_CLI_STATE: statePath,
      FAKE_AWS_URL: fakeAwsUrl,
      FAKE_AWS_ACCOUNT: FAKE_OWNER_ACCOUNT,
      SIGNPOST_VALIDATE_ATTEMPTS: "3",
      SIGNPOST_VALIDATE_DELAY: "1",
    },
    calls: (): Call[] =>
      readFileSync(log, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Call),
    clearCalls: () => writeFileSync(log, ""),
    state: () => JSON.parse(readFileSync(statePath, "utf8")) as Record<string, unknown>,
    setState: (s: Record<string, unknown>) => writeFileSync(statePath, JSON.stringify(s)),
  };
}

/**
 * Runs a command line in bash in the scratch home (scripts write files there), detached from any
 * terminal (a non-interactive paste), bounded in time. With `terminal`, it runs on a pseudo-terminal instead (util-linux `script`) and `terminal`
 * is what the user types there.
 */
export function run(cmd: string, env: Record<string, string>, timeoutMs = 60_000, terminal?: string): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child =
      terminal === undefined
        ? spawn("bash", ["-c", cmd], { env, cwd: env.HOME, stdio: ["ignore", "pipe", "pipe"], detached: true })
        : spawn("script", ["--quiet", "--return", "--command", `bash -c ${JSON.stringify(cmd)}`, "/dev/null"], {
            env,
            cwd: env.HOME,
            stdio: ["pipe", "pipe", "pipe"],
            detached: true,
          });
    if (terminal !== undefined) child.stdin!.end(terminal);
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // gone
      }
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      done({ code, out });
    });
  });
}
