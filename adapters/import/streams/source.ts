import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { createGunzip } from "node:zlib";

/** The first bytes of every gzip stream. */
const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * The file's bytes, in chunks, decompressed when it is gzip (by its first bytes, whatever its
 * name: Auth0's export jobs hand out `.json.gz` files). Chunks are at most 64 KiB, so a reader
 * never holds more than one chunk beyond its own record cap.
 */
export async function* fileChunks(path: string): AsyncGenerator<Buffer> {
  const head = Buffer.alloc(2);
  const handle = await open(path, "r");
  try {
    await handle.read(head, 0, 2, 0);
  } finally {
    await handle.close();
  }
  const file = createReadStream(path, { highWaterMark: 64 * 1024 });
  const gzip = head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  const stream = gzip ? file.pipe(createGunzip({ chunkSize: 64 * 1024 })) : file;
  if (gzip) file.on("error", (error) => stream.destroy(error));
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } finally {
    file.destroy();
    stream.destroy();
  }
}
