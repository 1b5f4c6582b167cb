/**
 * The bytes of a web body (a request's, or a fetched response's), or null when there are more
 * than `maxBytes`: refused on the declared `Content-Length` before reading, or as soon as the
 * count passes the cap, and the rest is cancelled, never buffered. What a refusal answers is the
 * caller's (src/http/body.ts, src/oauth/jwks.ts).
 */
export async function readCapped(body: ReadableStream<Uint8Array> | null, headers: Headers, maxBytes: number): Promise<Uint8Array | null> {
  const declared = Number(headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await body?.cancel().catch(() => {});
    return null;
  }
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}
