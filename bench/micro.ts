/// <reference types="node" />
/**
 * The CPU cost of each piece of the warm redirect path, measured inside workerd: bench/micro-worker.ts
 * (signpost plus a /__micro endpoint) runs one piece n times per call, and this script reads the
 * workerd process's on-CPU time (/proc/…/schedstat, ns) around the call. CPU time is not inflated
 * by other jobs on the machine the way wall-clock time is; the empty loop is subtracted.
 *
 *   npx tsx bench/micro.ts [--reps 5] [--target-ms 120]
 *
 * Linux only (it reads /proc). Writes bench/results/micro.json.
 */
import { appendFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import {
  ROOT,
  benchConfig,
  boundRun,
  builtScript,
  log,
  median,
  onCleanup,
  processCpuNs,
  r2,
  runMain,
  runWrangler,
  setUp,
  startSignpost,
  workerPid,
} from "./lib";

const { values: argv } = parseArgs({
  options: {
    reps: { type: "string", default: "5" },
    "target-ms": { type: "string", default: "120" },
    "compare-keep-names": { type: "boolean", default: false },
  },
});
const REPS = Math.min(15, Math.max(1, Number(argv.reps)));
const TARGET_NS = Math.min(1000, Math.max(20, Number(argv["target-ms"]))) * 1e6;

/** case name → (micro-worker case, which URL it gets) */
const CASES: Array<[string, string, "b" | "c" | null, string]> = [
  ["noop", "noop", null, "the empty loop (subtracted from every other case)"],
  ["response302", "response302", null, "new Response(302) with 4 headers: what the bare worker does"],
  ["newRequest", "newRequest", "b", "new Request(url): part of app and honoSkeleton"],
  ["app (b)", "app", "b", "signpost.fetch(warm /v1/assets request), in process"],
  ["app (c)", "app", "c", "signpost.fetch(warm /v1/redirect?url= request), in process"],
  ["honoSkeleton", "honoSkeleton", "b", "worker/index.ts's Hono routing shape with trivial handlers"],
  ["newRequestId", "newRequestId", null, "worker/http/request-id.ts"],
  ["config", "config", null, "config(env), memoised"],
  ["encryptionKey", "encryptionKey", null, "encryptionKey(ENCRYPTION_KEY), memoised"],
  ["clientIp", "clientIp", "b", "new Request + clientIp()"],
  ["parseUrl", "parseUrl", "b", "rawPath + new URL().searchParams"],
  ["decodeKey", "decodeKey", null, "decodeKeySegments + assertSafeKey"],
  ["location", "location", null, "objectLocation()"],
  ["presign", "presign", null, "presignUrl() with a session token: canonical query, SHA-256, HMAC"],
  ["sha256", "sha256", null, "one crypto.subtle.digest of 600 bytes (+ TextEncoder)"],
  ["uriEncodeToken", "uriEncodeToken", null, "uriEncode() of a session token (presign part)"],
  ["amzDate", "amzDate", null, "amzDate(): toISOString + regex replace (presign part)"],
  ["signingKeyHit", "signingKeyHit", null, "signingKey() cache hit: fnv1a(secret) + LRU delete/set (presign part)"],
  ["hmac", "hmac", null, "signingKey() hit + signString(): HMAC-SHA256 + hex (presign part)"],
  ["redirectResponse", "redirectResponse", null, "redirectResponse()"],
  ["corsHeaders", "corsHeaders", null, "corsHeaders() without Origin"],
  ["resolve", "resolve", "b", "resolveIntegration(id), memo hit"],
  ["signObject", "signObject", "b", "resolveIntegration + signObject (cached credentials, presign included)"],
  ["noteUsage", "noteUsage", "b", "noteUsage(), within its minute"],
];

type Run = (c: string, n: number, url: string | null) => Promise<number>;

/** micro-worker built (keep_names as given), started, onboarded: a function that runs a case and returns the CPU ns it took. */
async function startVariant(scratch: string, keepNames: boolean): Promise<{ run: Run; urls: { b: string; c: string } }> {
  const dir = join(scratch, keepNames ? "keep-names" : "no-keep-names");
  const buildCfg = await benchConfig(join(dir, "build-config"), join(ROOT, "bench", "micro-worker.ts"), false);
  // wrangler's esbuild keepNames is on by default; `keep_names = false` turns it off.
  if (!keepNames) await appendFile(buildCfg.path, "\nkeep_names = false\n");
  await runWrangler(["deploy", "--dry-run", "--config", buildCfg.path, "--outdir", join(dir, "build")], 120_000);
  const cfg = await benchConfig(join(dir, "run-config"), await builtScript(join(dir, "build")));
  const stack = await startSignpost(cfg.path);
  onCleanup(() => stack.stop());
  const sc = await setUp(stack.api, null, 0);
  const urls = { b: sc.targets.find((t) => t.key === "b")!.url, c: sc.targets.find((t) => t.key === "c")!.url };
  const pid = workerPid(stack.pgid);
  if (!pid) throw new Error("cannot find the Worker's workerd process");
  const run: Run = async (c, n, url) => {
    const q = new URLSearchParams({ case: c, n: String(n), ...(url ? { url } : {}) });
    const before = processCpuNs(pid);
    const res = await fetch(`${stack.api.base}/__micro?${q}`, { signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    const after = processCpuNs(pid);
    if (res.status !== 200) throw new Error(`/__micro ${c}: ${res.status} ${text.slice(0, 300)}`);
    return after - before;
  };
  return { run, urls };
}

async function main(): Promise<number> {
  if (process.platform !== "linux") throw new Error("bench/micro.ts reads /proc: Linux only");
  const scratch = await mkdtemp(join(tmpdir(), "signpost-bench-micro-"));
  onCleanup(() => rm(scratch, { recursive: true, force: true }));
  const variants = [true, ...(argv["compare-keep-names"] ? [false] : [])];
  log(`building bench/micro-worker.ts (signpost + /__micro) with wrangler deploy --dry-run${variants.length > 1 ? ", with and without keep_names" : ""}…`);
  const [main, other] = await Promise.all(variants.map((keepNames) => startVariant(scratch, keepNames)));
  const { run, urls } = main!;
  log("calibrating (n per call for ~" + TARGET_NS / 1e6 + " ms of CPU)…");
  const n = new Map<string, number>();
  for (const [name, c, u] of CASES) {
    const url = u ? urls[u] : null;
    await run(c, 200, url); // JIT warm-up
    const ns = await run(c, 2000, url);
    n.set(name, Math.max(200, Math.min(1_000_000, Math.round((2000 * TARGET_NS) / Math.max(ns, 1e5)))));
  }
  log(`measuring: ${REPS} interleaved repetitions of ${CASES.length} cases…`);
  const perCall = new Map<string, number[]>(CASES.map(([name]) => [name, []]));
  for (let rep = 0; rep < REPS; rep++) {
    const order = rep % 2 ? [...CASES].reverse() : CASES;
    for (const [name, c, u] of order) {
      const k = n.get(name)!;
      perCall.get(name)!.push((await run(c, k, u ? urls[u] : null)) / k / 1000);
    }
  }
  const raw = new Map([...perCall].map(([k, v]) => [k, median(v)]));
  const noop = raw.get("noop")!;
  const net = (k: string) => Math.max(0, raw.get(k)! - noop);
  const rows = CASES.map(([name, , , what]) => ({ case: name, usPerCall: r2(name === "noop" ? noop : net(name)), n: n.get(name)!, what }));
  const derived = {
    signpostOverBareUs: r2(net("app (b)") - net("newRequest") - net("response302")),
    signpostRedirectOverBareUs: r2(net("app (c)") - net("newRequest") - net("response302")),
    signObjectOwnUs: r2(net("signObject") - net("resolve")),
    signObjectBesidesPresignUs: r2(net("signObject") - net("resolve") - net("presign")),
    honoRoutingUs: r2(net("honoSkeleton") - net("newRequest") - net("response302")),
  };

  await mkdir(join(ROOT, "bench", "results"), { recursive: true });

  // keep_names A/B: the same cases on both builds, interleaved.
  let keepNames: null | Array<{ case: string; keepNamesUs: number; noKeepNamesUs: number }> = null;
  if (other) {
    log(`keep_names A/B: ${REPS} interleaved repetitions…`);
    const ab = ["noop", "app (b)", "honoSkeleton", "presign", "response302"];
    const per = new Map<string, [number[], number[]]>(ab.map((k) => [k, [[], []]]));
    for (let rep = 0; rep < REPS; rep++) {
      for (const name of ab) {
        const [, c, u] = CASES.find(([x]) => x === name)!;
        const k = n.get(name)!;
        const pair = rep % 2 ? [other, main!] : [main!, other];
        for (const v of pair) per.get(name)![v === main ? 0 : 1].push((await v.run(c, k, u ? v.urls[u] : null)) / k / 1000);
      }
    }
    const [noopA, noopB] = per.get("noop")!.map(median) as [number, number];
    keepNames = ab
      .filter((k) => k !== "noop")
      .map((k) => ({ case: k, keepNamesUs: r2(median(per.get(k)![0]) - noopA), noKeepNamesUs: r2(median(per.get(k)![1]) - noopB) }));
  }

  const out = join(ROOT, "bench", "results", "micro.json");
  await writeFile(
    out,
    JSON.stringify(
      {
        reps: REPS,
        method: "on-CPU ns of the Worker's workerd process around /__micro calls, empty loop subtracted, median of reps",
        rows,
        derived,
        keepNames,
      },
      null,
      2,
    ) + "\n",
  );
  console.log("\nCPU µs per call inside workerd (median of reps, empty loop subtracted)");
  for (const r of rows) console.log(`${String(r.usPerCall).padStart(9)} µs  ${r.case.padEnd(18)} ${r.what}`);
  console.log(`\nsignpost's JS per warm /v1/assets redirect, over the bare worker's: ${derived.signpostOverBareUs} µs (app − newRequest − response302)`);
  console.log(`signpost's JS per warm /v1/redirect?url=, over the bare worker's: ${derived.signpostRedirectOverBareUs} µs`);
  console.log(`of which Hono routing with signpost's shape: ${derived.honoRoutingUs} µs (honoSkeleton − newRequest − response302)`);
  console.log(
    `signObject's own cost: ${derived.signObjectOwnUs} µs, of which ${r2(derived.signObjectOwnUs - derived.signObjectBesidesPresignUs)} µs presignUrl`,
  );
  if (keepNames) {
    console.log("\nkeep_names A/B (same session, interleaved): µs per call with wrangler's default keep_names → with keep_names = false");
    for (const r of keepNames) console.log(`  ${r.case.padEnd(14)} ${String(r.keepNamesUs).padStart(8)} → ${String(r.noKeepNamesUs).padStart(8)} µs`);
  }
  console.log(`\nwritten: ${relative(ROOT, out)}`);
  return 0;
}

runMain(main, boundRun(180_000, "the micro-benchmark"));
