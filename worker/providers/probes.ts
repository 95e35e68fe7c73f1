/**
 * What the gcs and azure validation checks ask storage directly: a GET through a freshly
 * signed URL (as a browser would make it). The `cors` probes are in validation/browser-cors.ts.
 */
import { randomId } from "../store/ids";
import type { Scope } from "../integrations/model";
import { outboundFetch } from "../lib/outbound";

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
