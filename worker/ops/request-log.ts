/**
 * One structured JSON line per request (successful redirects: a sample, see after-request.ts), for Workers Logs and Logpush (both index the JSON
 * fields, so `$metadata.integrationId = "…"` or `status >= 500` filter directly). Only
 * fields listed here are written: the route pattern, never the path or query (an object
 * key or a URL signature), and never a header.
 */
export interface RequestLogLine {
  requestId: string;
  method: string;
  /** The matched route pattern, e.g. "/v1/assets/*"; "(none)" when no route matched. */
  route: string;
  integrationId: string | null;
  status: number;
  durationMs: number;
  /** STS was unavailable and the URL was shortened to fit cached credentials. */
  degraded: boolean;
  errorCode: string | null;
  /**
   * Present on successful redirects only, which are sampled: the REQUEST_LOG_SAMPLE_RATE this
   * line was kept at (each such line stands for 1/sampleRate redirects).
   */
  sampleRate?: number;
}

export function logRequest(line: RequestLogLine): void {
  console.log(JSON.stringify({ type: "request", ...line }));
}
