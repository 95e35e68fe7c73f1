/// <reference types="node" />
/**
 * The fake Google and the fake Azure (scripts/fakes/google.ts, scripts/fakes/azure.ts) as real HTTP
 * servers on 127.0.0.1, for black-box runs against `wrangler dev` through the SPEC's endpoint
 * overrides. Each Google/Azure endpoint gets its own loopback origin, because signpost
 * appends the real API paths to each override:
 *
 *   GCP_ENDPOINT_URL_STS              Google STS (Workload Identity Federation token exchange)
 *   GCP_ENDPOINT_URL_OAUTH            Google OAuth token endpoint (service-account keys)
 *   GCP_ENDPOINT_URL_IAMCREDENTIALS   IAM Credentials (signBlob)
 *   GCP_ENDPOINT_URL_STORAGE          Cloud Storage XML API, path-style (V4 signed URLs)
 *   AZURE_ENDPOINT_URL_LOGIN          Entra token endpoint (client secret or client assertion)
 *   AZURE_ENDPOINT_URL_BLOB           Blob service, path-style `{origin}/{account}/…`
 *
 * The fakes' token endpoints fetch the issuer's discovery document and JWKS over HTTP (the
 * `fetch` given to `addWorkloadIdentityProvider` / `addFederatedCredential`; see
 * `issuerFetch`) and verify every token with jose (scripts/fakes/oidc-verifier.ts). The fake
 * objects are returned so an in-process caller (a test, the local stack) sets them up directly.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FakeGoogle } from "./fakes/google";
import { FakeAzure } from "./fakes/azure";
import type { IssuerFetch } from "./fakes/oidc-verifier";
import { closeServer, sendResponse, toFetchRequest } from "./http-bridge";

export interface FakeCloudServer {
  google: FakeGoogle;
  azure: FakeAzure;
  /** The endpoint override vars pointing signpost at these fakes. */
  vars: {
    GCP_ENDPOINT_URL_STS: string;
    GCP_ENDPOINT_URL_OAUTH: string;
    GCP_ENDPOINT_URL_IAMCREDENTIALS: string;
    GCP_ENDPOINT_URL_STORAGE: string;
    AZURE_ENDPOINT_URL_LOGIN: string;
    AZURE_ENDPOINT_URL_BLOB: string;
  };
  close(): Promise<void>;
}

/** How the fake clouds reach an issuer: plain HTTP, bounded. */
export const issuerFetch: IssuerFetch = (url) => fetch(url, { signal: AbortSignal.timeout(5_000) });

type Handler = (req: Request) => Promise<Response>;

/** A loopback HTTP server handing each request, as received, to `handler`. */
async function serve(handler: (origin: string) => Handler): Promise<{ origin: string; server: Server }> {
  let handle: Handler = async () => new Response("starting", { status: 503 });
  const server = createServer((req, res) => {
    void (async () => {
      const request = await toFetchRequest(req, res);
      let response: Response;
      try {
        response = await handle(request);
      } catch (err) {
        // The fakes' "network" faults (and unknown storage accounts, which have no DNS name).
        if (err instanceof TypeError || request.signal.aborted) {
          req.socket.destroy();
          return;
        }
        throw err;
      }
      await sendResponse(req, res, response);
    })().catch((err: unknown) => {
      console.error("fake-cloud server:", err);
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  handle = handler(origin);
  return { origin, server };
}

/** The same request, addressed to the real host the fake routes by. */
function readdress(req: Request, url: string): Request {
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(url, {
    method: req.method,
    headers: req.headers,
    body: hasBody ? req.body : undefined,
    signal: req.signal,
    ...(hasBody ? { duplex: "half" } : {}),
  } as RequestInit);
}

function onHost(fake: FakeGoogle | FakeAzure, host: string): Handler {
  return (req) => {
    const u = new URL(req.url);
    return fake.handle(readdress(req, `https://${host}${u.pathname}${u.search}`));
  };
}

export async function startFakeCloudServer(): Promise<FakeCloudServer> {
  const google = new FakeGoogle();
  const azure = new FakeAzure();
  const servers: Server[] = [];
  const add = async (h: (origin: string) => Handler) => {
    const s = await serve(h);
    servers.push(s.server);
    return s.origin;
  };
  try {
    const sts = await add(() => onHost(google, "sts.googleapis.com"));
    const oauth = await add(() => onHost(google, "oauth2.googleapis.com"));
    const iam = await add(() => onHost(google, "iamcredentials.googleapis.com"));
    // Signed URLs are verified against the host they were signed for: served as received.
    const storage = await add((origin) => {
      google.storageOrigins.add(origin);
      return (req) => google.handle(req);
    });
    const login = await add(() => onHost(azure, "login.microsoftonline.com"));
    const blob = await add(() => (req) => {
      const u = new URL(req.url);
      const [, account = "", ...rest] = u.pathname.split("/");
      return azure.handle(readdress(req, `https://${account}.blob.core.windows.net/${rest.join("/")}${u.search}`));
    });
    return {
      google,
      azure,
      vars: {
        GCP_ENDPOINT_URL_STS: sts,
        GCP_ENDPOINT_URL_OAUTH: oauth,
        GCP_ENDPOINT_URL_IAMCREDENTIALS: iam,
        GCP_ENDPOINT_URL_STORAGE: storage,
        AZURE_ENDPOINT_URL_LOGIN: login,
        AZURE_ENDPOINT_URL_BLOB: blob,
      },
      close: () => Promise.all(servers.map((server) => closeServer(server).catch(() => undefined))).then(() => undefined),
    };
  } catch (err) {
    await Promise.all(servers.map((server) => closeServer(server).catch(() => undefined)));
    throw err;
  }
}
