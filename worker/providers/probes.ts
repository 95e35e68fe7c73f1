/**
 * What the gcs and azure validation checks ask storage directly: a GET through a freshly
 * signed URL (as a browser would make it), and CORS preflights from the labeling frontends'
 * origins. Preflights need no permission at all, so the `cors` check proves what a browser
 * will see rather than what a configuration API says.
 */
import { randomId } from "../store/ids";
import type { Scope } from "../integrations/model";
import { outboundFetch } from "../http/outbound";

const TIMEOUT_MS = 10_000;

export interface ReadTarget {
  bucket: string;
  key: string;
  /** True when the key is a made-up one: "not found" then proves signature and permission. */
  probe: boolean;
}

/**
 * `sampleKey` inside the first scope whose prefix it matches; without one, a made-up key in
 * the first scope. Null when there is nothing to read (no scopes, or the key matches none).
 */
export function readTarget(scopes: Scope[], sampleKey: string | undefined): ReadTarget | null {
  if (sampleKey !== undefined) {
    const s = scopes.find((sc) => sampleKey.startsWith(sc.prefix));
    return s ? { bucket: s.bucket, key: sampleKey, probe: false } : null;
  }
  const first = scopes[0];
  return first ? { bucket: first.bucket, key: `${first.prefix}.signpost-check-${randomId(12).toLowerCase()}`, probe: true } : null;
}

export interface ReadResult {
  status: number;
  /** Storage's error code (XML <Code> or x-ms-error-code), when it answered with one. */
  code: string | null;
  bytes: number;
  /** Extra text storage gave (GCS <Details>), for messages. */
  details: string | null;
}

/** GET of a signed URL (first KiB). Throws on network errors and timeouts. */
export async function readSignedUrl(url: string): Promise<ReadResult> {
  const res = await outboundFetch(url, { headers: { range: "bytes=0-1023" }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  const bytes = await res.arrayBuffer();
  const total = res.headers.get("content-range")?.split("/")[1];
  if (res.ok) return { status: res.status, code: null, bytes: total && /^\d+$/.test(total) ? Number(total) : bytes.byteLength, details: null };
  const body = new TextDecoder().decode(bytes);
  const code = res.headers.get("x-ms-error-code") ?? /<Code>([^<]+)<\/Code>/.exec(body)?.[1] ?? null;
  const details = /<Details>([^<]+)<\/Details>/.exec(body)?.[1] ?? null;
  return { status: res.status, code, bytes: bytes.byteLength, details };
}

/** The origin a preflight is sent from: a `*` entry is checked with a stand-in origin. */
function probeOrigin(o: string): string {
  return o === "*" ? "https://signpost-cors-check.example" : o;
}

/**
 * Which of `origins` cannot GET and HEAD `url` from a browser, as "origin (METHOD)" strings.
 * Throws on network errors.
 */
export async function corsGaps(url: string, origins: string[]): Promise<string[]> {
  const gaps: string[] = [];
  for (const o of origins) {
    const origin = probeOrigin(o);
    for (const method of ["GET", "HEAD"]) {
      const res = await outboundFetch(url, { method: "OPTIONS", headers: { origin, "access-control-request-method": method }, signal: AbortSignal.timeout(TIMEOUT_MS) });
      await res.arrayBuffer();
      const allowOrigin = res.headers.get("access-control-allow-origin");
      const allowMethods = res.headers.get("access-control-allow-methods");
      const ok =
        res.ok &&
        (allowOrigin === "*" || allowOrigin === origin) &&
        (allowMethods === null || allowMethods.split(",").some((m) => m.trim().toUpperCase() === method));
      if (!ok) gaps.push(`${o} (${method})`);
    }
  }
  return gaps;
}
