const encoder = new TextEncoder();

/** Constant-time string equality (length is not secret: tokens have fixed formats). */
export function timingSafeEqualStr(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  if (x.length !== y.length) {
    // Compare against itself anyway so the time does not depend on where inputs differ.
    crypto.subtle.timingSafeEqual(x, x);
    return false;
  }
  return crypto.subtle.timingSafeEqual(x, y);
}
