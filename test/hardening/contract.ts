/**
 * The error contract of SPEC.md ("Errors"), checked on one response at a time, for the
 * hardening suites (fuzz.test.ts, scope-properties.test.ts).
 *
 * Every check throws an Error that names the request that broke it (so a fast-check
 * counterexample or a table row is reproducible from the message alone).
 */
import type { World } from "../support/harness";
import { testEnv } from "../support/harness";

/** SPEC "Errors": code → status. `method_not_allowed` (405, with `Allow`) is the project's extension. */
export const SPEC_STATUS: Readonly<Record<string, number>> = {
  invalid_request: 400,
  invalid_url: 400,
  invalid_key: 400,
  unsupported_host: 400,
  unauthorized: 401,
  ip_not_allowed: 403,
  scope_not_allowed: 403,
  invalid_link_signature: 403,
  link_expired: 403,
  integration_not_found: 404,
  no_default_integration: 404,
  not_found: 404,
  invite_not_found: 404,
  method_not_allowed: 405,
  rate_limited: 429,
  role_cannot_be_assumed: 502,
  upstream_error: 502,
  sts_unavailable: 503,
  internal_error: 500,
};

export interface ErrorBody {
  code: string;
  message: string;
  hint?: string;
  requestId: string;
}

/**
 * Vars for newWorld() that take rate limiting out of the way of a fuzz run. wrangler.toml
 * binds RATE_LIMITER (miniflare emulates it at 600/min), and the binding wins over
 * RATE_LIMIT_PER_MINUTE, so the binding is removed for these worlds and the in-isolate
 * fallback gets a limit no run reaches.
 */
export const NO_RATE_LIMIT = { RATE_LIMITER: undefined, RATE_LIMIT_PER_MINUTE: "1000000" } as unknown as Record<string, string>;

/**
 * Stack frames and source paths. A bare "at " is not used: it is ordinary English in the
 * Worker's own hints ("one segment at a time"); a V8 frame is "    at fn (file:line:col)".
 */
const STACK_MARKERS: readonly RegExp[] = [
  /^\s+at\s/m,
  /\bat \S+ \(\S*:\d+:\d+\)/,
  /\/worker\//,
  /\.ts:\d/,
  /\.js:\d/,
  /node_modules/,
  /file:\/\//,
  /\b(TypeError|RangeError|SyntaxError|ReferenceError|URIError)\b/,
];

/** Secrets of the test deployment (testEnv) plus every temporary secret the fake STS issued. */
export function secretsOf(w: World): string[] {
  const fixed = [testEnv.ADMIN_TOKEN, testEnv.AWS_SECRET_ACCESS_KEY, testEnv.ENCRYPTION_KEY, testEnv.LINK_SIGNING_KEY].filter((s): s is string => !!s);
  const issued = [...w.fake.issued.values()].map((c) => c.secretAccessKey);
  return [...fixed, ...issued];
}

/** Throws when `text` carries a secret (any letter case) or a stack trace / source path. */
export function assertNoLeak(text: string, secrets: readonly string[], where: string, what: string): void {
  const lower = text.toLowerCase();
  for (const s of secrets) {
    if (lower.includes(s.toLowerCase())) throw new Error(`${what}: ${where} leaks a secret (${s.slice(0, 4)}…)`);
  }
  for (const re of STACK_MARKERS) {
    if (re.test(text)) throw new Error(`${what}: ${where} looks like a stack trace or source path (${re}): ${text.slice(0, 300)}`);
  }
}

/** Every header of any response: no secret, no stack. */
export function assertHeadersClean(res: Response, secrets: readonly string[], what: string): void {
  for (const [name, value] of res.headers) {
    // Location of a 302 carries the session token (not a secret key) by design; the keys above must never appear.
    assertNoLeak(`${name}: ${value}`, secrets, `header ${name}`, what);
  }
}

/**
 * The whole SPEC error contract on one response that must be an error: 4xx, JSON content
 * type, body exactly {"error": {code, message, hint?, requestId}}, requestId === X-Request-Id,
 * a SPEC code whose SPEC status is the response status, nothing leaked. Consumes the body.
 */
export async function assertClientError(res: Response, secrets: readonly string[], what: string, method = "GET"): Promise<ErrorBody | null> {
  const fail = (why: string, body = ""): never => {
    throw new Error(`${what}: ${why} (status ${res.status}) ${body.slice(0, 400)}`);
  };
  const text = method === "HEAD" ? "" : await res.text();
  if (res.status < 400 || res.status > 499) fail("expected a 4xx error", text);
  const type = res.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) fail(`content-type is ${JSON.stringify(type)}, not JSON`, text);
  const requestId = res.headers.get("x-request-id");
  if (!requestId || !/^req_[0-9a-z]+$/.test(requestId)) fail(`X-Request-Id is ${JSON.stringify(requestId)}`);
  assertHeadersClean(res, secrets, what);
  if (method === "HEAD") return null; // no body on HEAD; status and headers are checked
  assertNoLeak(text, secrets, "body", what);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return fail("body is not JSON", text);
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) return fail("body is not an object", text);
  const top = Object.keys(body);
  if (top.length !== 1 || top[0] !== "error") fail(`top-level keys are ${JSON.stringify(top)}, not ["error"]`, text);
  const err = (body as { error: unknown }).error;
  if (!err || typeof err !== "object" || Array.isArray(err)) return fail("error is not an object", text);
  const e = err as Record<string, unknown>;
  for (const k of Object.keys(e)) if (!["code", "message", "hint", "requestId"].includes(k)) fail(`unexpected error field ${k}`, text);
  if (typeof e.code !== "string" || typeof e.message !== "string" || typeof e.requestId !== "string") fail("code/message/requestId are not all strings", text);
  if ("hint" in e && typeof e.hint !== "string") fail("hint is not a string", text);
  if (e.requestId !== requestId) fail(`requestId ${String(e.requestId)} differs from X-Request-Id ${requestId}`, text);
  const status = SPEC_STATUS[e.code as string];
  if (status === undefined) fail(`code ${String(e.code)} is not a SPEC code`, text);
  if (status !== res.status) fail(`code ${String(e.code)} is SPEC status ${status}, answered with ${res.status}`, text);
  return e as unknown as ErrorBody;
}

/** A rotating client IP per request, so no per-IP limiter can ever trip during a run. */
let ipCounter = 0;
export function nextIp(): string {
  ipCounter++;
  return `198.51.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

/** Request counter per suite, reported at the end of each file. */
export class Tally {
  private counts = new Map<string, number>();
  add(suite: string, n = 1): void {
    this.counts.set(suite, (this.counts.get(suite) ?? 0) + n);
  }
  total(): number {
    let t = 0;
    for (const n of this.counts.values()) t += n;
    return t;
  }
  report(file: string): string {
    return `${file}: ${this.total()} requests — ` + [...this.counts].map(([k, n]) => `${k}: ${n}`).join(", ");
  }
}
