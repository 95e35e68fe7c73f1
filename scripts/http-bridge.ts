/// <reference types="node" />
/**
 * What the HTTP fakes (scripts/fake-aws-server.ts, scripts/fake-cloud-server.ts) share: a
 * Node request as a Fetch `Request` (as received: Host header, body, aborted when the client
 * goes away) for the Web-API fakes in test/fakes/, and closing a server with hanging connections.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";

// Hop-by-hop headers describe the connection, not the request a client signed.
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te", "trailer"]);

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The request as received; its signal aborts when the client disconnects before the answer. */
export async function toFetchRequest(req: IncomingMessage, res: ServerResponse): Promise<Request> {
  const body = await readBody(req);
  const method = req.method ?? "GET";
  const aborter = new AbortController();
  // A client that gives up (timeout) aborts the fake's work, e.g. a "hang" fault.
  res.on("close", () => {
    if (!res.writableFinished) aborter.abort(new Error("client disconnected"));
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  return new Request(`http://${req.headers.host ?? "127.0.0.1"}${req.url ?? "/"}`, {
    method,
    headers,
    body: method === "GET" || method === "HEAD" ? undefined : body,
    signal: aborter.signal,
  });
}

/** Writes a fake's answer (no body for HEAD). */
export async function sendResponse(req: IncomingMessage, res: ServerResponse, response: Response): Promise<void> {
  const out = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(req.method === "HEAD" ? undefined : out);
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    // Hanging (fault-injected) and keep-alive connections would otherwise hold close() open.
    server.closeAllConnections();
  });
}
