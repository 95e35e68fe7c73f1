/**
 * Every call signpost makes to the outside goes through here: a timeout per attempt and a
 * bounded number of attempts with full-jitter exponential backoff on throttling, 5xx and
 * network errors. The request is rebuilt per attempt because signatures carry a timestamp.
 *
 * Redirects are never followed: a 3xx comes back to the caller as the answer it is, and
 * every caller treats a non-2xx answer as an upstream error. An S3-compatible server (whose
 * URL an admin typed) cannot send signpost's requests, signed or not, anywhere else.
 */

/** `fetch` with redirects off: the one place signpost calls `fetch`. */
export function outboundFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  return fetch(input, { ...init, redirect: "manual" });
}
export interface RetryPolicy {
  attempts: number;
  timeoutMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, timeoutMs: 5000, baseDelayMs: 100, maxDelayMs: 1000 };

/** What the caller decides about a response: done (return it) or retry. */
export type Verdict = "done" | "retry";

export class OutboundFailure extends Error {
  constructor(
    message: string,
    /** Last response seen, if any (its body already read into `body`). */
    readonly status: number | null,
    readonly body: string | null,
  ) {
    super(message);
  }
}

export async function fetchWithRetry(
  build: () => Promise<Request> | Request,
  judge: (res: Response, body: string) => Verdict,
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<{ res: Response; body: string }> {
  let last: OutboundFailure = new OutboundFailure("no attempt made", null, null);
  for (let attempt = 0; attempt < policy.attempts; attempt++) {
    if (attempt > 0) {
      const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
      await new Promise((r) => setTimeout(r, Math.random() * cap));
    }
    try {
      const req = await build();
      const res = await outboundFetch(req, { signal: AbortSignal.timeout(policy.timeoutMs) });
      const body = await res.text();
      if (judge(res, body) === "done") return { res, body };
      last = new OutboundFailure(`HTTP ${res.status}`, res.status, body);
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
      last = new OutboundFailure(timedOut ? `timed out after ${policy.timeoutMs} ms` : "network error", null, null);
    }
  }
  throw last;
}

/** Default judgement for AWS APIs: throttling and server errors are worth another try. */
export function retryOnThrottleOr5xx(res: Response, body: string): Verdict {
  if (res.status >= 500 || res.status === 429) return "retry";
  if (res.status === 400 && /<Code>(Throttling|ThrottlingException|RequestLimitExceeded|SlowDown)<\/Code>/.test(body)) return "retry";
  return "done";
}

/**
 * A form POST to an OAuth-style token endpoint (Google OAuth and STS, Microsoft Entra), with
 * throttling and 5xx retried. The form is built per attempt (an assertion carries its time);
 * `sentAt` is when the answered attempt was sent, which a token's lifetime counts from.
 * Transport failures become `unavailable(detail)`.
 */
export async function postTokenForm(
  url: string,
  form: (sentAt: number) => Promise<Record<string, string>> | Record<string, string>,
  opts: { clock: () => number; retry?: RetryPolicy; unavailable: (detail: string) => Error },
): Promise<{ res: Response; body: string; sentAt: number }> {
  let sentAt = opts.clock();
  try {
    const { res, body } = await fetchWithRetry(
      async () => {
        sentAt = opts.clock();
        const fields = await form(sentAt);
        return new Request(url, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams(fields).toString(),
        });
      },
      (res) => (res.status >= 500 || res.status === 429 ? "retry" : "done"),
      opts.retry ?? DEFAULT_RETRY,
    );
    return { res, body, sentAt };
  } catch (err) {
    throw opts.unavailable(err instanceof OutboundFailure ? err.message : "network error");
  }
}

/** Longest a whole retried upstream call may take under `policy`. */
export function callBudgetMs(policy: RetryPolicy): number {
  return policy.attempts * policy.timeoutMs + (policy.attempts - 1) * policy.maxDelayMs + 1000;
}
