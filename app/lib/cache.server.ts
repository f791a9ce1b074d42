// In-process cache for expensive per-customer reads (the seed's "application memory" layer):
// usage aggregates behind the dashboard, the stats tab and the billing usage table. Each web
// process keeps its own; nothing here is shared between processes or persisted.
//
// Every entry is keyed by the customer it belongs to — the API takes the customer id as its own
// argument, so a read can never be cached under a key another customer could hit. Only data that
// the manager changes (usage rollups) is cached; balances, states and anything a customer's own
// action changes are always read fresh, so nobody sees their own change lag behind.
import { LRUCache } from "lru-cache";

/** The longest a usage aggregate is served from memory. */
export const USAGE_CACHE_TTL_MS = 30_000;
/** How long one reading of the data version is trusted before asking the database again. */
const VERSION_TTL_MS = 1_000;
const MAX_ENTRIES = 20_000;

export class CustomerCache {
  // Promises, not values: concurrent misses for one key share a single database read.
  readonly #entries: LRUCache<string, Promise<unknown>>;
  readonly #version: (() => Promise<string>) | undefined;
  #versionRead: { at: number; value: Promise<string> } | undefined;

  /**
   * `version` names the current state of the cached data (for usage: the newest metered ingest
   * batch). It is part of every key, so fresh data is served as soon as the manager meters new
   * logs, not a TTL later; the TTL only bounds what a version cannot see.
   */
  constructor(options: { ttlMs?: number; maxEntries?: number; version?: () => Promise<string> } = {}) {
    this.#entries = new LRUCache({
      max: options.maxEntries ?? MAX_ENTRIES,
      ttl: options.ttlMs ?? USAGE_CACHE_TTL_MS,
    });
    this.#version = options.version;
  }

  #currentVersion(): Promise<string> {
    if (!this.#version) return Promise.resolve("");
    const now = Date.now();
    if (!this.#versionRead || now - this.#versionRead.at > VERSION_TTL_MS) {
      const value = this.#version();
      this.#versionRead = { at: now, value };
      value.catch(() => {
        if (this.#versionRead?.value === value) this.#versionRead = undefined;
      });
    }
    return this.#versionRead.value;
  }

  /** The value cached for this customer under `key`, loading (and caching) it when absent. */
  async fetch<T>(customerId: number, key: string, load: () => Promise<T>): Promise<T> {
    if (!Number.isSafeInteger(customerId) || customerId <= 0) {
      throw new Error(`customer cache: invalid customer id ${customerId}`);
    }
    const version = await this.#currentVersion();
    const scoped = `customer:${customerId}:${key}@${version}`;
    const cached = this.#entries.get(scoped);
    if (cached) return cached as Promise<T>;
    const loading = load();
    this.#entries.set(scoped, loading);
    // A failed read is not remembered: the next request tries again.
    loading.catch(() => {
      if (this.#entries.get(scoped) === loading) this.#entries.delete(scoped);
    });
    return loading;
  }

  /** Drop everything cached for one customer. */
  forgetCustomer(customerId: number): void {
    const prefix = `customer:${customerId}:`;
    for (const key of [...this.#entries.keys()]) {
      if (key.startsWith(prefix)) this.#entries.delete(key);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
