import type { Context } from "hono";
import type { Env } from "../env";
import { ApiError } from "./errors";

export type AppEnv = { Bindings: Env; Variables: { requestId: string } };
export type Ctx = Context<AppEnv>;

/** The request path exactly as the client sent it: still percent-encoded, without the query. */
export function rawPath(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const q = url.indexOf("?", start);
  return q < 0 ? url.slice(start) : url.slice(start, q);
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
