import { describe, expect, it } from "vitest";
import { CustomerCache } from "./cache.server.ts";

/** A data version the test moves, counting how often the cache reads it. */
function countedVersion() {
  const data = {
    version: 1,
    reads: 0,
    read: async () => {
      data.reads++;
      return String(data.version);
    },
  };
  return data;
}

describe("CustomerCache", () => {
  it("keeps each customer's value under its own key: the same key never crosses customers", async () => {
    const cache = new CustomerCache();
    const loads: number[] = [];
    const statsOf = (customerId: number) =>
      cache.fetch(customerId, "stats:seal:24h", async () => {
        loads.push(customerId);
        return { customerId, requests: customerId * 100 };
      });
    expect(await statsOf(7)).toEqual({ customerId: 7, requests: 700 });
    expect(await statsOf(8)).toEqual({ customerId: 8, requests: 800 });
    expect(await statsOf(7)).toEqual({ customerId: 7, requests: 700 });
    expect(loads).toEqual([7, 8]);
  });

  it("shares one load between concurrent misses", async () => {
    const cache = new CustomerCache();
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return loads;
    };
    const values = await Promise.all([cache.fetch(1, "k", load), cache.fetch(1, "k", load)]);
    expect(values).toEqual([1, 1]);
    expect(loads).toBe(1);
  });

  it("does not remember failures", async () => {
    const cache = new CustomerCache();
    await expect(cache.fetch(1, "k", () => Promise.reject(new Error("db down")))).rejects.toThrow("db down");
    expect(await cache.fetch(1, "k", async () => "ok")).toBe("ok");
  });

  it("expires entries after the TTL and forgets one customer without touching another", async () => {
    const cache = new CustomerCache({ ttlMs: 20 });
    let version = 0;
    const load = async () => ++version;
    expect(await cache.fetch(1, "k", load)).toBe(1);
    expect(await cache.fetch(1, "k", load)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(await cache.fetch(1, "k", load)).toBe(2);

    const longLived = new CustomerCache();
    await longLived.fetch(1, "a", async () => "one");
    await longLived.fetch(2, "a", async () => "two");
    longLived.forgetCustomer(1);
    expect(await longLived.fetch(1, "a", async () => "one again")).toBe("one again");
    expect(await longLived.fetch(2, "a", async () => "not reloaded")).toBe("two");
  });

  it("refuses a missing or invalid customer id rather than caching under a shared key", async () => {
    const cache = new CustomerCache();
    await expect(cache.fetch(0, "k", async () => 1)).rejects.toThrow(/invalid customer/);
    await expect(cache.fetch(Number.NaN, "k", async () => 1)).rejects.toThrow(/invalid customer/);
  });

  it("serves fresh data as soon as the data version moves, without waiting for the TTL", async () => {
    const data = countedVersion();
    const cache = new CustomerCache({ version: data.read });
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.fetch(1, "k", load)).toBe(1);
    expect(await cache.fetch(1, "k", load)).toBe(1);
    // One reading of the version serves requests for a second.
    expect(data.reads).toBe(1);
    data.version = 2;
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    expect(await cache.fetch(1, "k", load)).toBe(2);
    expect(await cache.fetch(1, "k", load)).toBe(2);
  });

  it("counts what large values weigh, and drops the least recently used beyond its memory budget", async () => {
    const cache = new CustomerCache({ maxBytes: 10_000 });
    let loads = 0;
    const page = (customerId: number) =>
      cache.fetch(customerId, "logs", async () => ({ rows: "x".repeat(4_000), load: ++loads }), {
        bytes: (value) => value.rows.length,
      });
    expect((await page(1)).load).toBe(1);
    expect((await page(2)).load).toBe(2);
    // Two pages of ~4.5 kB fit in 10 kB; the third pushes out the one used least recently.
    expect((await page(1)).load).toBe(1);
    expect((await page(3)).load).toBe(3);
    expect((await page(1)).load).toBe(1);
    expect((await page(2)).load).toBe(4);
  });

  it("leaves the data version out of a key that carries its own", async () => {
    const data = countedVersion();
    const cache = new CustomerCache({ version: data.read });
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.fetch(1, "logs:mark-5", load, { ownVersion: true })).toBe(1);
    data.version = 2;
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    expect(await cache.fetch(1, "logs:mark-5", load, { ownVersion: true })).toBe(1);
    expect(await cache.fetch(1, "logs:mark-6", load, { ownVersion: true })).toBe(2);
    expect(data.reads).toBe(0);
  });
});
