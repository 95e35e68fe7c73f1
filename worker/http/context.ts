import type { Context } from "hono";
import type { Env } from "../env";
import { ApiError } from "./errors";

export type AppEnv = {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** For the request log and usage counts: the integration the request resolved to. */
    integrationId?: string;
    /** The URL was shortened because STS was unavailable. */
    degraded?: boolean;
    /** The error code the response carries, set by the error handler. */
    errorCode?: string;
  };
};
export type Ctx = Context<AppEnv>;

/** The request path exactly as the client sent it: still percent-encoded, without the query. */
export function rawPath(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  // workerd keeps a fragment in Request.url when a Request is built in-process (service
  // bindings); it is never part of the path.
  let end = url.length;
  const q = url.indexOf("?", start);
  if (q >= 0) end = q;
  const h = url.indexOf("#", start);
  if (h >= 0 && h < end) end = h;
  return url.slice(start, end);
}

/** ttl: a positive integer; anything else is a 400 (it is capped by the integration later). */
export function parseTtl(value: string | null | undefined | number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const s = String(value);
  if (!/^\d{1,9}$/.test(s) || Number(s) < 1) {
    throw new ApiError("invalid_request", "ttl must be a whole number of seconds, at least 1.");
  }
  return Number(s);
}
