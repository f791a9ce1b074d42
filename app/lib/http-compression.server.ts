// Compressing a whole response body at once, for the request's Accept-Encoding. Used for every
// body whose length is known (server/request-handler.ts) and for rendered pages, which are kept
// compressed by the page cache (page-cache.server.ts) so a repeated page is compressed only once.
import { brotliCompressSync, constants, deflateSync, gzipSync } from "node:zlib";

export type ContentEncoding = "br" | "gzip" | "deflate";

/** Bodies below this go out as they are (the compression middleware's default threshold). */
export const COMPRESS_MIN_BYTES = 1024;

const COMPRESSIBLE =
  /^(?:text\/|application\/(?:json|javascript|xml|[\w.+-]*\+(?:json|xml))|image\/svg\+xml)/i;

/** Whether a body of this Content-Type is worth compressing (text, JSON, XML, SVG). */
export function isCompressible(contentType: string | null | undefined): boolean {
  return typeof contentType === "string" && COMPRESSIBLE.test(contentType);
}

/**
 * Brotli quality 3 for pages compressed per request: measured on the dashboard's pages (30–120 kB
 * of HTML) it costs a third to a half of quality 4's CPU (the compression middleware's default) for
 * 3–6% more bytes, and is still smaller than gzip -6 at half its CPU.
 */
const BROTLI_QUALITY = 3;

/**
 * A window just large enough for the body (brotli's default is 4 MiB): the output is the same,
 * but a small page no longer pays for setting up a large window (half the CPU for a 30 kB page).
 */
function brotliWindowBits(bytes: number): number {
  return Math.min(constants.BROTLI_DEFAULT_WINDOW, Math.max(16, Math.ceil(Math.log2(bytes))));
}

/** Which encoding the request accepts, brotli first (q=0 refuses one; `*` stands for the rest). */
export function acceptedEncoding(header: string | null | undefined): ContentEncoding | null {
  if (!header) return null;
  const quality = new Map<string, number>();
  for (const part of header.split(",")) {
    const [name = "", ...params] = part.trim().toLowerCase().split(";");
    if (!name) continue;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.trim().split("=");
      if (key === "q") q = Number(value);
    }
    quality.set(name, Number.isFinite(q) ? q : 0);
  }
  const accepts = (name: string) => (quality.get(name) ?? quality.get("*") ?? 0) > 0;
  if (accepts("br")) return "br";
  if (accepts("gzip")) return "gzip";
  if (accepts("deflate")) return "deflate";
  return null;
}

/** The encoding a body of this size should be sent with for this request, if any. */
export function encodingFor(
  acceptEncoding: string | null | undefined,
  bytes: number,
): ContentEncoding | null {
  return bytes < COMPRESS_MIN_BYTES ? null : acceptedEncoding(acceptEncoding);
}

export function compressBody(body: Uint8Array, encoding: ContentEncoding): Buffer {
  if (encoding === "br") {
    return brotliCompressSync(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
        [constants.BROTLI_PARAM_LGWIN]: brotliWindowBits(body.byteLength),
        [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength,
      },
    });
  }
  return encoding === "gzip" ? gzipSync(body) : deflateSync(body);
}
