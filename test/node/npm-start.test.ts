/**
 * `npm start` as a new user meets it: another port with `--port N` or `PORT=N`, a clear message
 * (no escape codes) when the port is taken or not a port.
 */
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { portFrom } from "../../scripts/dev";
import { freePort, ROOT } from "../../scripts/wrangler-process";

const TSX = join(ROOT, "node_modules", ".bin", "tsx");

function runDev(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [join(ROOT, "scripts", "dev.ts"), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe("npm start's port", () => {
  it("--port N, --port=N and PORT=N choose the port; 8787 by default; --port wins", () => {
    expect(portFrom([], {})).toBe(8787);
    expect(portFrom(["--port", "8790"], {})).toBe(8790);
    expect(portFrom(["--port=8791"], {})).toBe(8791);
    expect(portFrom([], { PORT: "8792" })).toBe(8792);
    expect(portFrom(["--port", "8793"], { PORT: "8792" })).toBe(8793);
    for (const bad of ["abc", "0", "65536", "80.5", "-1"]) {
      expect(() => portFrom(["--port", bad], {})).toThrow(/--port must be a port number/);
      expect(() => portFrom([], { PORT: bad })).toThrow(/PORT must be a port number/);
    }
  });

  it("a taken port: exit 1 with a message that says so and what to type, no escape codes", async () => {
    const port = await freePort();
    const squatter: Server = createServer((s) => s.end("HTTP/1.1 401 Unauthorized\r\n\r\n"));
    await new Promise<void>((r) => squatter.listen(port, "127.0.0.1", () => r()));
    try {
      for (const run of [() => runDev(["--port", String(port)]), () => runDev([], { PORT: String(port) })]) {
        const { code, out } = await run();
        expect(code).toBe(1);
        expect(out).toContain(`Port ${port} is already in use`);
        expect(out).toContain("npm start -- --port");
        expect(out).not.toMatch(/\x1b\[/);
        // The squatter answers 401: that must not leak out as if signpost had said it.
        expect(out).not.toMatch(/\b401\b|Unauthorized/);
      }
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });

  it("a port that is not a number: exit 1 with an example", async () => {
    const { code, out } = await runDev(["--port", "eighty"]);
    expect(code).toBe(1);
    expect(out).toContain('--port must be a port number (1-65535), not "eighty"');
  });
});
