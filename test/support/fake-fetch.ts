/**
 * One fake `fetch` for every test that talks to a cloud: each outbound request goes to the
 * first route whose `matches(url)` holds (the fake AWS, Google and Azure are routes as they
 * are), or on to the `fetch` installed before when `passthrough` lets it; anything else
 * rejects, so no test reaches the network by accident.
 *
 * Routes answer like a real `fetch`: the caller's abort signal (a timeout, typically) wins over
 * a slow or hanging route.
 */

export interface FetchRoute {
  matches(url: URL): boolean;
  handle(req: Request): Response | Promise<Response>;
}

export interface FakeFetchOptions {
  routes: FetchRoute[];
  /**
   * Requests that go on to the `fetch` installed before this one: the real one, or another
   * fake layered underneath (default: none).
   */
  passthrough?: (url: URL) => boolean;
  /** Sees every request's URL before it is routed (a test's log of what was reached). */
  observe?: (url: URL) => void;
}

export interface InstalledFetch {
  /** Puts back the `fetch` that was there before. */
  restore(): void;
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

export function installFakeFetch({ routes, passthrough, observe }: FakeFetchOptions): InstalledFetch {
  const previous = globalThis.fetch;
  const fakeFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    // Not `new Request(input, init)` up front: that would take over the body of a Request
    // input, which a passed-through request still needs.
    const url = new URL(input instanceof Request ? input.url : String(input));
    observe?.(url);
    const route = routes.find((r) => r.matches(url));
    if (route) {
      const request = new Request(input, init);
      return abortable(Promise.resolve(route.handle(request)), init?.signal ?? request.signal);
    }
    if (passthrough?.(url)) return previous(input, init);
    throw new Error(`unexpected outbound fetch to ${url.origin}`);
  };
  globalThis.fetch = fakeFetch as typeof fetch;
  return {
    restore() {
      globalThis.fetch = previous;
    },
  };
}
