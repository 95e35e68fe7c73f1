/// <reference types="node" />
/**
 * The smoke test after a deploy: /health, the OIDC metadata when an issuer is configured, and
 * an admin API call with the admin token. Retries for a while: a new deployment takes a few
 * seconds to reach every location.
 */

export interface SmokeOptions {
  url: string;
  adminToken?: string;
  oidcIssuer?: string;
  attempts?: number;
  delayMs?: number;
  log: (line: string) => void;
}

async function check(what: string, attempt: () => Promise<string | null>, attempts: number, delayMs: number): Promise<void> {
  let problem = "";
  for (let i = 0; i < attempts; i++) {
    try {
      const p = await attempt();
      if (p === null) return;
      problem = p;
    } catch (err) {
      problem = (err as Error).message;
    }
    if (i < attempts - 1) await new Promise((r) => setTimeout(r, delayMs));
  }
  throw new Error(`smoke test: ${what}: ${problem}`);
}

async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { headers, redirect: "manual", signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // reported below as "not JSON"
  }
  return { status: res.status, body };
}

export async function smokeTest(o: SmokeOptions): Promise<void> {
  const base = o.url.replace(/\/+$/, "");
  const attempts = o.attempts ?? (Number(process.env.SIGNPOST_SMOKE_ATTEMPTS) || 10);
  const delayMs = o.delayMs ?? 3000;
  await check(
    "GET /health",
    async () => {
      const r = await getJson(`${base}/health`);
      return r.status === 200 && r.body?.ok === true ? null : `HTTP ${r.status} ${JSON.stringify(r.body)?.slice(0, 300)}`;
    },
    attempts,
    delayMs,
  );
  o.log(`  ✓ ${base}/health`);
  if (o.oidcIssuer) {
    await check(
      "GET /.well-known/openid-configuration",
      async () => {
        const r = await getJson(`${base}/.well-known/openid-configuration`);
        if (r.status !== 200) return `HTTP ${r.status} ${JSON.stringify(r.body)?.slice(0, 300)}`;
        return r.body?.issuer === o.oidcIssuer ? null : `issuer is ${JSON.stringify(r.body?.issuer)}, expected ${o.oidcIssuer}`;
      },
      attempts,
      delayMs,
    );
    o.log(`  ✓ ${base}/.well-known/openid-configuration (issuer ${o.oidcIssuer})`);
  }
  if (o.adminToken) {
    await check(
      "GET /admin/api/integrations with the admin token",
      async () => {
        const r = await getJson(`${base}/admin/api/integrations`, { authorization: `Bearer ${o.adminToken}` });
        return r.status === 200 && Array.isArray(r.body?.integrations)
          ? null
          : `HTTP ${r.status} ${r.body?.error?.code ?? ""} ${r.body?.error?.message ?? ""}`.trim();
      },
      attempts,
      delayMs,
    );
    o.log(`  ✓ ${base}/admin/api/integrations (admin token accepted)`);
  } else {
    o.log("  - admin API not checked (no admin token at hand: set SIGNPOST_ADMIN_TOKEN)");
  }
}
