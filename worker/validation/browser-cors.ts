/**
 * The `cors` check's probe, shared by every provider: it sends the bucket what a browser sends
 * when a labeling page loads an asset through signpost. From each CORS_ORIGINS origin (direct
 * use of a presigned URL) and from the literal `null` (what a browser sends after following
 * signpost's cross-origin 302):
 *   - a preflight: OPTIONS, Access-Control-Request-Method: GET, Access-Control-Request-Headers: range
 *     (fetch() or hls.js with a Range header);
 *   - a GET with Origin and Range and no preflight (`<img crossorigin>`, `<video>`, plain fetch()).
 * Each probe fails when a browser would refuse to hand the response to the page.
 */
import { outboundFetch } from "../lib/outbound";
import { fail, pass, type CheckResult } from "./checks";
import { REDIRECTED_ORIGIN } from "../integrations/bucket-cors";

const TIMEOUT_MS = 10_000;
/** A `*` in CORS_ORIGINS is probed with a stand-in origin. */
const STAND_IN_ORIGIN = "https://signpost-cors-check.example";

export interface CorsProbeTarget {
  /** What the failure message calls it, e.g. "s3://bucket" or "gs://bucket". */
  label: string;
  /** An object URL in the bucket, unsigned: preflights need no signature. */
  objectUrl: string;
  /** A signed GET of an object in the bucket, when one could be made. */
  signedUrl: string | null;
}

/** The origins a browser may send the bucket: every configured one, then `null`. */
export function probedOrigins(corsOrigins: string[]): string[] {
  return [...new Set([...corsOrigins.map((o) => (o === "*" ? STAND_IN_ORIGIN : o)), REDIRECTED_ORIGIN])];
}

function originAllowed(allowOrigin: string | null, origin: string): boolean {
  return allowOrigin === "*" || allowOrigin === origin;
}

function listed(header: string | null, value: string): boolean {
  return (header ?? "").split(",").some((v) => {
    const t = v.trim().toLowerCase();
    return t === "*" || t === value.toLowerCase();
  });
}

function seen(res: Response): string {
  const o = res.headers.get("access-control-allow-origin");
  return `HTTP ${res.status}, ${o === null ? "no Access-Control-Allow-Origin" : `Access-Control-Allow-Origin: ${o}`}`;
}

async function preflightProblem(url: string, origin: string): Promise<string | null> {
  const res = await outboundFetch(url, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "GET", "access-control-request-headers": "range" },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  await res.arrayBuffer();
  const methods = res.headers.get("access-control-allow-methods");
  const ok =
    res.status >= 200 &&
    res.status < 300 &&
    originAllowed(res.headers.get("access-control-allow-origin"), origin) &&
    (methods === null || listed(methods, "GET")) &&
    listed(res.headers.get("access-control-allow-headers"), "range");
  if (ok) return null;
  const headers = res.headers.get("access-control-allow-headers");
  return `a preflight (GET with a Range header) from Origin: ${origin} answered ${seen(res)}${res.ok && !listed(headers, "range") ? ` and Access-Control-Allow-Headers: ${headers ?? "(none)"}` : ""}`;
}

/**
 * null when the GET shows the bucket's CORS allows `origin`; "unknown" when the object's error
 * answer carries no CORS headers at all (some services omit them on errors: the preflight decides).
 */
async function getProblem(url: string, origin: string): Promise<string | null | "unknown"> {
  const res = await outboundFetch(url, { headers: { origin, range: "bytes=0-0" }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  await res.arrayBuffer();
  const allowOrigin = res.headers.get("access-control-allow-origin");
  if (originAllowed(allowOrigin, origin)) return null;
  if (!res.ok && allowOrigin === null) return "unknown";
  return `a GET (as <img crossorigin>, <video> or the fetch API send it) from Origin: ${origin} answered ${seen(res)}`;
}

/** What a browser would refuse, as readable sentences; empty when every probe passes. Throws on network errors. */
export async function browserCorsProblems(targets: CorsProbeTarget[], corsOrigins: string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const t of targets) {
    for (const origin of probedOrigins(corsOrigins)) {
      const pre = await preflightProblem(t.objectUrl, origin);
      if (pre) problems.push(`${t.label}: ${pre}`);
      if (t.signedUrl) {
        const get = await getProblem(t.signedUrl, origin);
        if (get && get !== "unknown") problems.push(`${t.label}: ${get}`);
      }
    }
  }
  return problems;
}

export function corsPassMessage(targets: CorsProbeTarget[], corsOrigins: string[]): string {
  const withGet = targets.some((t) => t.signedUrl) ? "preflights and GETs" : "preflights";
  return `${targets.map((t) => t.label).join(", ")} answer browser ${withGet} (GET with Range) from ${probedOrigins(corsOrigins).join(", ")} (null: what browsers send after signpost's redirect).`;
}

/**
 * The `cors` check of a provider whose probes are these targets: pass, or fail with what a
 * browser would refuse (`refused`: whose answers) and the provider's fix; `noAnswer` when the
 * storage did not answer the probes at all.
 */
export async function corsCheck(
  targets: CorsProbeTarget[],
  corsOrigins: string[],
  text: { refused: string; fix: string; noAnswer: string },
): Promise<CheckResult> {
  try {
    const problems = await browserCorsProblems(targets, corsOrigins);
    if (problems.length === 0) return pass("cors", corsPassMessage(targets, corsOrigins));
    return fail("cors", `CORS is not configured for the labeling frontends: a browser would refuse ${text.refused}: ${problems.join("; ")}.`, text.fix);
  } catch {
    return fail("cors", text.noAnswer, "Run the checks again in a minute.");
  }
}
