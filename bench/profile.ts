/// <reference types="node" />
/**
 * Where a warm redirect's time goes inside the Worker: a V8 CPU profile of signpost's isolate
 * (through `wrangler dev --inspector-port`) while autocannon loads one target, summarised per
 * function and per source file of the bundle, in µs per request.
 *
 *   npx tsx bench/profile.ts [--target b|c|d|a] [--seconds 8] [--interval 50] [--connections 16]
 *     b  warm /v1/assets redirect (default)   c  /v1/redirect?url=
 *     d  POST /v1/sign of 1000 URLs, sequential   a  the bare 302 worker (the runtime's floor)
 *
 * Writes bench/results/profile-{target}.cpuprofile (open it in Chrome DevTools → Performance,
 * or VS Code) and bench/results/profile-{target}.json. Sampling slows the isolate down: read the
 * shares and the ranking, not the absolute µs. Same bounds as the bench: loopback only, time
 * limited, every child stopped on exit, error or SIGINT.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import {
  ROOT,
  bareBuildConfig,
  bareConfig,
  batchUrls,
  benchConfig,
  boundRun,
  builtScript,
  compatibilityDate,
  cpuSnapshot,
  cpuUse,
  dist,
  load,
  log,
  onCleanup,
  r1,
  runMain,
  runWrangler,
  setUp,
  startBareWorker,
  startSignpost,
} from "./lib";

const { values: argv } = parseArgs({
  options: {
    target: { type: "string", default: "b" },
    seconds: { type: "string", default: "8" },
    interval: { type: "string", default: "50" },
    connections: { type: "string", default: "16" },
  },
});
const target = argv.target!;
if (!["a", "b", "c", "d"].includes(target)) throw new Error("--target must be a, b, c or d");
const seconds = Math.min(30, Math.max(1, Number(argv.seconds)));
const intervalUs = Math.min(1000, Math.max(10, Number(argv.interval)));
const connections = Math.min(64, Math.max(1, Number(argv.connections)));

// ---- the inspector ----------------------------------------------------------------------

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

async function inspector(port: number): Promise<(method: string, params?: object) => Promise<any>> {
  let targets: Array<{ webSocketDebuggerUrl?: string; title?: string }> = [];
  for (let i = 0; i < 40 && !targets.some((t) => t.webSocketDebuggerUrl); i++) {
    try {
      targets = (await (await fetch(`http://127.0.0.1:${port}/json`, { signal: AbortSignal.timeout(2_000) })).json()) as typeof targets;
    } catch {
      // the inspector proxy is not up yet
    }
    if (!targets.some((t) => t.webSocketDebuggerUrl)) await new Promise((r) => setTimeout(r, 250));
  }
  const url = targets.find((t) => t.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on 127.0.0.1:${port}`);
  // wrangler's inspector proxy wants an Origin it knows (Node's WebSocket takes headers as an undici extension).
  const NodeWebSocket = WebSocket as unknown as new (url: string, init: { headers: Record<string, string> }) => WebSocket;
  const ws = new NodeWebSocket(url, { headers: { origin: "http://127.0.0.1" } });
  await new Promise<void>((ok, fail) => {
    ws.addEventListener("open", () => ok(), { once: true });
    ws.addEventListener("error", () => fail(new Error(`cannot open ${url}`)), { once: true });
  });
  onCleanup(async () => ws.close());
  let next = 1;
  const pending = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();
  ws.addEventListener("message", (ev) => {
    const msg = JSON.parse(String(ev.data)) as { id?: number; result?: unknown; error?: { message: string } };
    const p = msg.id !== undefined ? pending.get(msg.id) : undefined;
    if (!p) return;
    pending.delete(msg.id!);
    if (msg.error) p.fail(new Error(msg.error.message));
    else p.ok(msg.result);
  });
  return (method, params = {}) =>
    new Promise((ok, fail) => {
      const id = next++;
      pending.set(id, { ok, fail });
      ws.send(JSON.stringify({ id, method, params }));
      setTimeout(() => pending.delete(id) && fail(new Error(`${method}: no answer in 30 s`)), 30_000).unref();
    });
}

// ---- the summary ------------------------------------------------------------------------

/** Line → source module, from the `// path/to/file.ts` comments esbuild puts in an unminified bundle. */
async function moduleMap(bundlePath: string): Promise<(line: number) => string> {
  const lines = (await readFile(bundlePath, "utf8")).split("\n");
  const starts: Array<[number, string]> = [];
  lines.forEach((l, i) => {
    const m = /^\/\/ ((?:node_modules\/|worker\/|admin\/|\.\.\/)\S+\.(?:ts|tsx|js|mjs|cjs))$/.exec(l);
    if (m) starts.push([i, m[1]!.replace(/^(\.\.\/)+/, "")]);
  });
  return (line: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = "(bundle prelude)";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]![0] <= line) {
        found = starts[mid]![1];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

function summarise(profile: CpuProfile, requests: number, moduleOf: ((line: number) => string) | null) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  const keyOf = (n: ProfileNode) => {
    const f = n.callFrame;
    const name = f.functionName || "(anonymous)";
    if (!f.url) return name; // (program), (garbage collector), (idle), native functions
    const where = moduleOf && /index\.m?js$/.test(f.url) ? moduleOf(f.lineNumber) : f.url.split("/").slice(-2).join("/");
    return `${name}  ${where}:${f.lineNumber + 1}`;
  };
  const moduleKey = (n: ProfileNode) => {
    const f = n.callFrame;
    if (!f.url) return f.functionName.startsWith("(") ? f.functionName : "(native: runtime APIs called from JS)";
    return moduleOf && /index\.m?js$/.test(f.url) ? moduleOf(f.lineNumber).replace(/^node_modules\/((@[^/]+\/)?[^/]+).*/, "node_modules/$1") : f.url;
  };

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const modules = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    const k = keyOf(n);
    if (k === "(idle)") {
      idle += us;
      continue;
    }
    busy += us;
    self.set(k, (self.get(k) ?? 0) + us);
    modules.set(moduleKey(n), (modules.get(moduleKey(n)) ?? 0) + us);
    // Inclusive: every distinct function on the stack gets the sample once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const ck = keyOf(byId.get(cur)!);
      if (ck === "(root)" || seen.has(ck)) continue;
      seen.add(ck);
      total.set(ck, (total.get(ck) ?? 0) + us);
    }
  }
  const per = (us: number) => r1(us / Math.max(1, requests));
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => ({ fn: k, usPerRequest: per(us), pctOfBusy: r1((100 * us) / Math.max(1, busy)) }));
  return {
    requests,
    profiledMs: r1((profile.endTime - profile.startTime) / 1000),
    busyUsPerRequest: per(busy),
    idlePct: r1((100 * idle) / Math.max(1, busy + idle)),
    byModule: top(modules, 30),
    selfTop: top(self, 40),
    inclusiveTop: top(total, 40),
  };
}

// ---- the run ----------------------------------------------------------------------------

async function main(): Promise<number> {
  const scratch = await mkdtemp(join(tmpdir(), "signpost-bench-profile-"));
  onCleanup(() => rm(scratch, { recursive: true, force: true }));
  const compatDate = await compatibilityDate();
  log(`building signpost${target === "a" ? " and the bare worker" : ""} (wrangler deploy --dry-run --no-minify: readable names in the profile)…`);
  await Promise.all([
    runWrangler(["deploy", "--dry-run", "--no-minify", "--outdir", join(scratch, "build")], 120_000),
    target === "a"
      ? runWrangler(
          [
            "deploy",
            "--dry-run",
            "--no-minify",
            "--outdir",
            join(scratch, "bare-build"),
            "--config",
            await bareBuildConfig(join(scratch, "bare-build-config")),
          ],
          120_000,
        )
      : null,
  ]);
  const built = await builtScript(join(scratch, "build"));
  const bareBuilt = target === "a" ? await builtScript(join(scratch, "bare-build")) : "";

  log("starting signpost (wrangler dev + fake AWS)…");
  const cfg = await benchConfig(scratch, built);
  const stack = await startSignpost(cfg.path);
  onCleanup(() => stack.stop());
  const bare = target === "a" ? await startBareWorker(compatDate, await bareConfig(scratch, bareBuilt, compatDate)) : null;
  if (bare) onCleanup(() => bare.stop());
  const api = stack.api;
  const sc = await setUp(api, bare?.url ?? null, 0);
  const groups = [stack.pgid, ...(bare ? [bare.pgid] : [])];
  const server = bare ?? stack;

  const batchBody = JSON.stringify({ urls: batchUrls(1000), integration: sc.demoId });
  const batchOnce = async () => {
    const res = await fetch(`${api.base}/v1/sign`, {
      method: "POST",
      headers: { authorization: `Bearer ${sc.token}`, "content-type": "application/json" },
      body: batchBody,
      signal: AbortSignal.timeout(15_000),
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`POST /v1/sign: ${res.status}`);
  };
  const t = sc.targets.find((x) => x.key === target);
  const drive = async (secs: number) => {
    if (target === "d") {
      const times: number[] = [];
      const end = performance.now() + secs * 1000;
      while (performance.now() < end) {
        const s = performance.now();
        await batchOnce();
        times.push(performance.now() - s);
      }
      return { requests: times.length, bad: 0, latency: dist(times) };
    }
    const r = await load({ target, round: 1, url: t!.url, seconds: secs, connections, expectStatus: 302, pgid: server.pgid, ourGroups: groups });
    return { requests: r.requests, bad: r.bad, latency: r.latencyMs };
  };

  log("warming up (3 s)…");
  await drive(3);
  const call = await inspector(server.inspectorPort);
  await call("Profiler.enable");
  await call("Profiler.setSamplingInterval", { interval: intervalUs });
  log(`profiling ${target === "d" ? "sequential 1000-URL batches" : t!.name} for ${seconds} s (sampling every ${intervalUs} µs)…`);
  const before = cpuSnapshot();
  await call("Profiler.start");
  const run = await drive(seconds);
  const { profile } = (await call("Profiler.stop")) as { profile: CpuProfile };
  const cpu = cpuUse(before, cpuSnapshot(), server.pgid, groups, run.requests);
  if (run.bad) throw new Error(`${run.bad} unexpected responses while profiling`);

  const summary = summarise(profile, run.requests, await moduleMap(target === "a" ? bareBuilt : built));
  const outDir = join(ROOT, "bench", "results");
  await mkdir(outDir, { recursive: true });
  const profPath = join(outDir, `profile-${target}.cpuprofile`);
  await writeFile(profPath, JSON.stringify(profile));
  await writeFile(
    join(outDir, `profile-${target}.json`),
    JSON.stringify({ target, seconds, intervalUs, connections, latencyMs: run.latency, cpu, ...summary }, null, 2) + "\n",
  );

  const unit = target === "d" ? "batch" : "request";
  console.log(`\n${run.requests} ${unit}s profiled; the isolate's JS thread was busy ${summary.busyUsPerRequest} µs per ${unit} (sampling overhead included)`);
  if (cpu)
    console.log(
      `process CPU per ${unit} meanwhile: ${Object.entries(cpu.byRole)
        .map(([k, v]) => `${k} ${v} µs`)
        .join(", ")}`,
    );
  const table = (title: string, rows: Array<{ fn: string; usPerRequest: number; pctOfBusy: number }>, n: number) => {
    console.log(`\n${title}`);
    for (const r of rows.slice(0, n)) console.log(`${String(r.usPerRequest).padStart(9)} µs  ${String(r.pctOfBusy).padStart(5)}%  ${r.fn}`);
  };
  table(`by source module (self time, µs per ${unit})`, summary.byModule, 20);
  table(`functions by self time (µs per ${unit})`, summary.selfTop, 25);
  table(`functions by inclusive time of their synchronous part (µs per ${unit})`, summary.inclusiveTop, 30);
  console.log(`\nwritten: ${relative(ROOT, profPath)} (Chrome DevTools → Performance → Load profile) and profile-${target}.json`);
  return 0;
}

runMain(main, boundRun(180_000, "the profile"));
