/**
 * Routes outbound fetches to the fake AWS: AWS hosts (`*.amazonaws.com`, `*.amazonaws.com.cn`)
 * and the fake's registered custom endpoints go to `fake.handle`; anything else rejects (see
 * test/support/fake-fetch.ts), so a test can never reach the network by accident.
 */
import type { FakeAws } from "../../scripts/fakes/aws";
import { installFakeFetch, type FetchRoute, type InstalledFetch } from "../support/fake-fetch";

export interface InstallOptions {
  /** Hosts a test deliberately lets through to the previous `fetch` (default: none). */
  passthrough?: (url: URL) => boolean;
}

export type InstalledFake = InstalledFetch;

export function isAwsHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h.endsWith(".amazonaws.com") || h.endsWith(".amazonaws.com.cn");
}

/** The fake AWS as a fetch route: AWS hosts and the fake's custom endpoints. */
export function awsRoute(fake: FakeAws): FetchRoute {
  return { matches: (url) => isAwsHost(url.hostname) || fake.hasEndpoint(url.origin), handle: (req) => fake.handle(req) };
}

export function installFakeAws(fake: FakeAws, opts: InstallOptions = {}): InstalledFake {
  return installFakeFetch({ routes: [awsRoute(fake)], passthrough: opts.passthrough });
}
