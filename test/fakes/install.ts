/**
 * Routes outbound fetches to the fake AWS: AWS hosts (`*.amazonaws.com`, `*.amazonaws.com.cn`)
 * and the fake's registered custom endpoints go to `fake.handle`; anything else rejects, so a
 * test can never reach the network by accident.
 */
import type { FakeAws } from "../../scripts/fakes/aws";

export interface InstallOptions {
  /** Hosts a test deliberately lets through to the real `fetch` (default: none). */
  passthrough?: (url: URL) => boolean;
}

export interface InstalledFake {
  /** Puts back the `fetch` that was there before `installFakeAws`. */
  restore(): void;
}

export function isAwsHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h.endsWith(".amazonaws.com") || h.endsWith(".amazonaws.com.cn");
}

/** Settles like `work`, or rejects with the signal's reason as soon as it aborts. */
export function abortable<T>(work: Promise<T>, signal: AbortSignal | null | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

export function installFakeAws(fake: FakeAws, opts: InstallOptions = {}): InstalledFake {
  const original = globalThis.fetch;
  const fakeFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (isAwsHost(url.hostname) || fake.hasEndpoint(url.origin)) {
      // The caller's signal (a timeout, typically) must win over a slow or hanging fake.
      return abortable(fake.handle(request), init?.signal ?? request.signal);
    }
    if (opts.passthrough?.(url)) return original(input, init);
    throw new Error(`unexpected outbound fetch to ${url.origin}`);
  };
  globalThis.fetch = fakeFetch as typeof fetch;
  return {
    restore() {
      globalThis.fetch = original;
    },
  };
}
