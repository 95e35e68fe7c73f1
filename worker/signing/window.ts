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
