/** A short random id per request: in X-Request-Id and in every error body, for users to quote. */
export function newRequestId(): string {
  const b = crypto.getRandomValues(new Uint8Array(10));
  let s = "";
  for (const x of b) s += "0123456789abcdefghjkmnpqrstvwxyz"[x & 31];
  return "req_" + s;
}
