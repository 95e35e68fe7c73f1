/**
 * A short id per request: in X-Request-Id and in every error body, for users to quote. It only
 * has to be unique enough to find a log line, not unguessable, so Math.random (no native call
 * on the hot path) is enough: 50 bits.
 */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

export function newRequestId(): string {
  let s = "req_";
  for (let i = 0; i < 2; i++) {
    let r = (Math.random() * 0x2000000) | 0; // 25 bits: 5 characters
    for (let j = 0; j < 5; j++, r >>>= 5) s += ALPHABET[r & 31];
  }
  return s;
}
