/**
 * Request bodies read with a byte cap: a declared Content-Length over the cap is refused
 * without reading, and a streamed body is read only until it passes the cap. Nothing larger
 * than the cap (plus one chunk) is ever held in memory, and nothing is parsed before the
 * whole body is known to fit.
 */

/** The body's bytes (of a request, or of an upstream response), or null when it is larger than `max` bytes. */
export async function readCapped(req: Pick<Request, "headers" | "body">, max: number): Promise<Uint8Array | null> {
  const declared = req.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > max) {
    await req.body?.cancel().catch(() => undefined);
    return null;
  }
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
