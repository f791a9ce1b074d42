import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { PageCache, type PageInput } from "./page-cache.server.ts";

const input = (data: unknown, overrides: Partial<PageInput> = {}): PageInput => ({
  scope: "customer:1",
  url: "/dashboard",
  status: 200,
  data,
  ...overrides,
});
const key = (data: unknown, overrides: Partial<PageInput> = {}) => PageCache.keyOf(input(data, overrides));
const page = (html: string) => ({ html: Buffer.from(html), scriptHashes: ["'sha256-x'"] });

describe("PageCache.keyOf", () => {
  it("gives equal input one key, in the customer's scope", () => {
    // As a loader builds its data: the same code over the same rows.
    const load = (rows: number[]) => ({
      root: { balanceCents: 1234, at: new Date(0) },
      page: rows.map((n) => ({ n, label: `row ${n}` })),
    });
    expect(key(load([1, 2, 3]))).toBe(key(load([1, 2, 3])));
    expect(key(load([1, 2, 3]))?.startsWith("customer:1:")).toBe(true);
  });

  it("tells apart every input that could render differently", () => {
    const base = { value: null as unknown, list: [1, 2] };
    const keys = [
      key(base),
      key(base, { scope: "customer:2" }),
      key(base, { scope: "anonymous" }),
      key(base, { url: "/dashboard?x=1" }),
      key(base, { status: 404 }),
      key({ ...base, value: undefined }),
      key({ ...base, value: "1970-01-01T00:00:00.000Z" }),
      key({ ...base, value: new Date(0) }),
      key({ ...base, value: 0 }),
      key({ ...base, value: -0 }),
      key({ ...base, value: 1n }),
      key({ ...base, value: new Map([["a", 1]]) }),
      key({ ...base, value: new Map([["a", 2]]) }),
      key({ ...base, value: new Set([1]) }),
      key({ ...base, value: {} }),
      key({ ...base, list: [1, 2, 3] }),
      key({ ...base, list: [2, 1] }),
    ];
    expect(keys.every((k) => typeof k === "string")).toBe(true);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("refuses data it cannot key exactly (functions, promises): such pages are always rendered", () => {
    expect(key({ onClick: () => 1 })).toBeNull();
    expect(key({ deferred: Promise.resolve(1) })).toBeNull();
  });
});

describe("PageCache", () => {
  it("keeps a page and its compressed forms, each compressed once", () => {
    const cache = new PageCache({ maxBytes: 1024 * 1024 });
    const k = key({ a: 1 }) as string;
    expect(cache.get(k)).toBeUndefined();
    const html = `<!DOCTYPE html><p>${"hello ".repeat(500)}</p>`;
    cache.set(k, page(html));
    const kept = cache.get(k);
    expect(kept?.html.toString()).toBe(html);
    const br = cache.encoded(k, kept ?? page(""), "br");
    expect(brotliDecompressSync(br).toString()).toBe(html);
    expect(cache.encoded(k, kept ?? page(""), "br")).toBe(br);
    expect(gunzipSync(cache.encoded(k, kept ?? page(""), "gzip")).toString()).toBe(html);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, entries: 1 });
    expect(cache.stats().bytes).toBeGreaterThan(html.length);
  });

  it("drops the least recently used pages beyond its memory budget", () => {
    const cache = new PageCache({ maxBytes: 10_000 });
    const keys = [1, 2, 3].map((n) => key({ n }) as string);
    cache.set(keys[0] as string, page("a".repeat(4_000)));
    cache.set(keys[1] as string, page("b".repeat(4_000)));
    cache.get(keys[0] as string);
    cache.set(keys[2] as string, page("c".repeat(4_000)));
    expect(cache.get(keys[1] as string)).toBeUndefined();
    expect(cache.get(keys[0] as string)?.html.toString()).toBe("a".repeat(4_000));
    expect(cache.stats().bytes).toBeLessThanOrEqual(10_000);
  });

  it("does not keep a compressed form of a page it does not hold", () => {
    const cache = new PageCache({ maxBytes: 1024 * 1024 });
    const body = cache.encoded("customer:1:missing", page("x".repeat(2_000)), "gzip");
    expect(gunzipSync(body).toString()).toBe("x".repeat(2_000));
    expect(cache.stats().entries).toBe(0);
  });
});
