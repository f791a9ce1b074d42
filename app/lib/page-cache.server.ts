// Rendered pages, kept per web process so the same page for the same data is not rendered again.
//
// Rendering is a pure function of what the loaders returned and the URL (components read nothing
// else: no clock, no randomness — dates and "now" come from loaders), so a page is looked up by a
// SHA-256 of exactly that input, after the loaders ran for this request. Every request still runs
// its loaders — balances, states and the session are read fresh each time — and only React's
// rendering (and compressing the result) is skipped when they return what they returned before.
// Keys also carry the customer, so one customer's page is never looked up for another.
//
// Nothing here needs invalidating: new data is a new key, and old pages age out of the LRU (by
// bytes) or after PAGE_TTL_MS.
import { createHash } from "node:crypto";
import { serialize } from "node:v8";
import { LRUCache } from "lru-cache";
import { type ContentEncoding, compressBody } from "./http-compression.server.ts";

/** How long an unused page is kept, whatever the memory budget. */
const PAGE_TTL_MS = 5 * 60_000;

export interface RenderedPage {
  /** The whole HTML document. */
  html: Buffer;
  /** CSP hash sources of its inline scripts (csp.server.ts). */
  scriptHashes: readonly string[];
}

interface Entry extends RenderedPage {
  /** The HTML compressed for each encoding asked for so far. */
  encoded: Partial<Record<ContentEncoding, Buffer>>;
}

export interface PageInput {
  /** Whose page: `customer:<id>`, or `anonymous`. */
  scope: string;
  /** The URL rendered (path and query). */
  url: string;
  status: number;
  /** What the page is rendered from: the loaders' data (and action data). */
  data: unknown;
}

export interface PageCacheStats {
  hits: number;
  misses: number;
  entries: number;
  bytes: number;
}

export class PageCache {
  readonly #entries: LRUCache<string, Entry>;
  #hits = 0;
  #misses = 0;

  constructor(options: { maxBytes: number; ttlMs?: number }) {
    this.#entries = new LRUCache<string, Entry>({
      maxSize: options.maxBytes,
      ttl: options.ttlMs ?? PAGE_TTL_MS,
      sizeCalculation: (entry) =>
        Math.max(
          1,
          entry.html.byteLength +
            Object.values(entry.encoded).reduce((sum, body) => sum + body.byteLength, 0),
        ),
    });
  }

  /**
   * The key of a page, or null when its data cannot be keyed exactly (functions, promises of
   * deferred data, or anything else the V8 serializer refuses): such a page is always rendered.
   */
  static keyOf(input: PageInput): string | null {
    let data: Buffer;
    try {
      // The V8 serializer tells apart what JSON would merge (undefined/null, Dates/strings, Maps,
      // Sets, BigInts, -0), so two inputs with one key render the same page. (It also records how
      // V8 holds a value — an integer or a double, a dense or a sparse array — so equal data built
      // differently may get another key: a page rendered once more, never a wrong one.)
      data = serialize(input.data);
    } catch {
      return null;
    }
    const digest = createHash("sha256")
      .update(`${input.scope}\n${input.status}\n${input.url}\n`)
      .update(data)
      .digest("base64url");
    return `${input.scope}:${digest}`;
  }

  get(key: string): RenderedPage | undefined {
    const entry = this.#entries.get(key);
    if (entry) this.#hits++;
    else this.#misses++;
    return entry;
  }

  set(key: string, page: RenderedPage): void {
    this.#entries.set(key, { ...page, encoded: {} });
  }

  /** The page's HTML in this encoding (compressed once, then kept with the page). */
  encoded(key: string, page: RenderedPage, encoding: ContentEncoding): Buffer {
    const entry = this.#entries.peek(key);
    const kept = entry?.encoded[encoding];
    if (kept) return kept;
    const body = compressBody(page.html, encoding);
    // A new entry object: the LRU recounts the bytes only when the value changes.
    if (entry) this.#entries.set(key, { ...entry, encoded: { ...entry.encoded, [encoding]: body } });
    return body;
  }

  stats(): PageCacheStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      entries: this.#entries.size,
      bytes: this.#entries.calculatedSize,
    };
  }
}
