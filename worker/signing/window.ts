import { ApiError } from "../http/errors";

/**
 * Cacheable URLs: signing time is rounded down to a window aligned to the clock, so every
 * request for the same object inside one window gets a byte-identical URL (and the browser
 * reuses what it downloaded). X-Amz-Expires is lengthened by the window, so a URL handed out
 * at any moment of the window still has at least its TTL ahead of it.
 */
export const WINDOW_MS = 60_000;

export interface ValidityPlan {
  /** Epoch ms used as X-Amz-Date. */
  signingTime: number;
  /** X-Amz-Expires. */
  expiresSeconds: number;
}

export function windowStart(now: number): number {
  return Math.floor(now / WINDOW_MS) * WINDOW_MS;
}

export function planValidity(now: number, ttlSeconds: number): ValidityPlan {
  return { signingTime: windowStart(now), expiresSeconds: ttlSeconds + WINDOW_MS / 1000 };
}

export function validUntil(p: ValidityPlan): number {
  return p.signingTime + p.expiresSeconds * 1000;
}

/** The plan for a URL of `ttlSeconds` at `now`, never outliving `notAfter` (a signed link's exp). */
export function planWithin(now: number, ttlSeconds: number, notAfter?: number): ValidityPlan {
  const plan = planValidity(now, ttlSeconds);
  if (notAfter === undefined || validUntil(plan) <= notAfter) return plan;
  const expiresSeconds = Math.floor((notAfter - plan.signingTime) / 1000);
  if (expiresSeconds < 1) throw new ApiError("link_expired", "This signed link has expired.");
  return { ...plan, expiresSeconds };
}

const HEADER_VALUE = /^[\x20-\x7e\u0080-\uffff]{1,1024}$/;

/** response-content-type / response-content-disposition: signed into the URL, so checked first. */
export function responseOverride(name: string, v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!HEADER_VALUE.test(v)) throw new ApiError("invalid_request", `${name} must be 1..1024 printable characters.`);
  return v;
}
