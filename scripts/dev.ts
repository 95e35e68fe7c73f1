/// <reference types="node" />
/**
 * `npm start`: signpost on http://localhost:8787 against a fake AWS, with a working demo.
 * Another port: `npm start -- --port 8788` or `PORT=8788 npm start`.
 *
 * State persists in .wrangler/state. The fake AWS lives in memory, so on every start the
 * demo bucket and role are set up again in it, trusting the demo integration's External ID
 * (created through the admin API on the first run), and the integration is validated.
 */
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { PRINCIPAL_ARN, startLocalStack, type LocalStack } from "./local-stack";

const DEFAULT_PORT = 8787;
const STATE = fileURLToPath(new URL("../.wrangler/state", import.meta.url));
const DEMO_NAME = "demo";
const DEMO_ROLE = "arn:aws:iam::444455556666:role/signpost-demo";
const DEMO_BUCKET = "demo-bucket";
const DEMO_REGION = "us-east-1";

const CAT_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 100"><path d="M20 90 L20 30 L40 45 L80 45 L100 30 L100 90 Z" fill="#f5a524"/><circle cx="45" cy="62" r="5"/><circle cx="75" cy="62" r="5"/><path d="M55 75 Q60 80 65 75" stroke="#000" fill="none" stroke-width="3"/></svg>\n`;
const DEMO_OBJECTS: Record<string, { body: string; contentType: string }> = {
  "hello.txt": { body: "Hello from signpost! This object lives in the fake AWS bucket demo-bucket.\n", contentType: "text/plain; charset=utf-8" },
  "images/cat.svg": { body: CAT_SVG, contentType: "image/svg+xml" },
  "docs/annual report+final.txt": { body: "A key with a space and a plus sign.\n", contentType: "text/plain; charset=utf-8" },
};

interface IntegrationJson {
  id: string;
  name: string;
  roleArn: string | null;
  externalId: string;
  status: string;
  permissionsPolicy: unknown;
  corsConfiguration: { CORSRules: unknown[] };
}

function adminClient(stack: LocalStack) {
  return async function admin<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${stack.url}/admin/api${path}`, {
      method,
      headers: { authorization: `Bearer ${stack.adminToken}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} /admin/api${path}: HTTP ${res.status} ${text}`);
    return JSON.parse(text) as T;
  };
}

async function fakeControl(stack: LocalStack, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${stack.fakeAws.url}/__fake/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`fake AWS ${path}: HTTP ${res.status} ${await res.text()}`);
}

/** The demo integration: found by name, else created (which is what hands out the External ID). */
async function demoIntegration(admin: ReturnType<typeof adminClient>): Promise<IntegrationJson> {
  const { integrations } = await admin<{ integrations: { id: string; name: string }[] }>("GET", "/integrations");
  const existing = integrations.find((i) => i.name === DEMO_NAME);
  if (existing) return admin<IntegrationJson>("GET", `/integrations/${existing.id}`);
  return admin<IntegrationJson>("POST", "/integrations", { name: DEMO_NAME, provider: "aws_role", region: DEMO_REGION, scopes: [DEMO_BUCKET] });
}

async function setUpDemo(stack: LocalStack): Promise<{ ok: boolean; failed: string[] }> {
  const admin = adminClient(stack);
  const integ = await demoIntegration(admin);
  // What a bucket owner does in AWS with the documents the admin page shows.
  await fakeControl(stack, "roles", { arn: DEMO_ROLE, trustedPrincipals: [PRINCIPAL_ARN], externalId: integ.externalId, policy: integ.permissionsPolicy });
  await fakeControl(stack, "buckets", { name: DEMO_BUCKET, region: DEMO_REGION, cors: integ.corsConfiguration.CORSRules, objects: DEMO_OBJECTS });
  if (integ.roleArn !== DEMO_ROLE) await admin("PATCH", `/integrations/${integ.id}`, { roleArn: DEMO_ROLE });
  const report = await admin<{ ok: boolean; checks: { name: string; status: string; message: string }[] }>("POST", `/integrations/${integ.id}/validate`, {});
  return { ok: report.ok, failed: report.checks.filter((c) => c.status === "fail").map((c) => `${c.name}: ${c.message}`) };
}

/** `--port N` / `--port=N`, else PORT, else 8787; anything else is an error that says what to type. */
export function portFrom(argv: string[], env: NodeJS.ProcessEnv): number {
  let raw: string | undefined;
  let source = "PORT";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--port") [raw, source] = [argv[i + 1] ?? "", "--port"];
    else if (a.startsWith("--port=")) [raw, source] = [a.slice("--port=".length), "--port"];
  }
  if (raw === undefined) raw = env.PORT;
  if (raw === undefined || raw === "") return DEFAULT_PORT;
  const n = Number(raw);
  if (!/^\d{1,5}$/.test(raw) || n < 1 || n > 65535)
    throw new Error(`${source} must be a port number (1-65535), not "${raw.slice(0, 40)}". Example: npm start -- --port 8788`);
  return n;
}

/** Fails with a clear message when something already listens on the port (wrangler's own error is easy to miss). */
function requireFreePort(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", (err: NodeJS.ErrnoException) => {
      reject(
        new Error(
          err.code === "EADDRINUSE"
            ? `Port ${port} is already in use (another signpost, or another program). Stop it, or pick another port: npm start -- --port ${port === 65535 ? port - 1 : port + 1}  (or PORT=${port === 65535 ? port - 1 : port + 1} npm start)`
            : `Cannot listen on 127.0.0.1:${port}: ${err.code ?? err.message}`,
        ),
      );
    });
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve()));
  });
}

async function main(): Promise<void> {
  const port = portFrom(process.argv.slice(2), process.env);
  await requireFreePort(port);
  console.log(`Starting signpost (wrangler dev --local, port ${port}) and the fake AWS…`);
  const stack = await startLocalStack({ port, persistTo: STATE });
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log("\nStopping…");
    void stack.stop().finally(() => process.exit(code));
  };
  process.on("SIGINT", () => stop(0));
  process.on("SIGTERM", () => stop(0));

  let demo: { ok: boolean; failed: string[] };
  try {
    demo = await setUpDemo(stack);
  } catch (err) {
    console.error(`Setting up the demo integration failed: ${(err as Error).message}`);
    stop(1);
    return;
  }

  const asset = `${stack.url}/v1/assets/default/${DEMO_BUCKET}/hello.txt`;
  console.log(`
signpost is running on ${stack.url} (local state in .wrangler/state, fake AWS at ${stack.fakeAws.url})

  Admin page    ${stack.url}/admin
  Admin token   ${stack.adminToken}

  Demo integration "${DEMO_NAME}" (${DEMO_ROLE}, bucket ${DEMO_BUCKET}): ${demo.ok ? "valid" : "INVALID"}
${demo.failed.map((f) => `    ✗ ${f}\n`).join("")}
  A redirect URL (302 to a presigned URL):
    ${asset}
  Try it:
    curl -i ${asset}
    curl -L ${asset}
  Other demo objects: images/cat.svg, "docs/annual report+final.txt" (as ${DEMO_BUCKET}/docs/annual%20report+final.txt)

Press Ctrl-C to stop.`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
