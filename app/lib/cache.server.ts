// In-process cache for expensive per-customer reads (the seed's "application memory" layer):
// usage aggregates behind the dashboard, the stats tab and the billing usage table. Each web
// process keeps its own; nothing here is shared between processes or persisted.
//
// Every entry is keyed by the customer it belongs to — the API takes the customer id as its own
// argument, so a read can never be cached under a key another customer could hit. Only data that
// the manager changes (usage rollups) is cached; balances, states and anything a customer's own
// action changes are always read fresh, so nobody sees their own change lag behind.
import { LRUCache } from "lru-cache";

/** How long a usage aggregate may be served from memory. The meter folds logs every few minutes. */
export const USAGE_CACHE_TTL_MS = 30_000;
const MAX_ENTRIES = 20_000;

export class CustomerCache {
  // Promises, not values: concurrent misses for one key share a single database read.
  readonly #entries: LRUCache<string, Promise<unknown>>;

  constructor(options: { ttlMs?: number; maxEntries?: number } = {}) {
    this.#entries = new LRUCache({
      max: options.maxEntries ?? MAX_ENTRIES,
      ttl: options.ttlMs ?? USAGE_CACHE_TTL_MS,
    });
  }

  /** The value cached for this customer under `key`, loading (and caching) it when absent. */
  fetch<T>(customerId: number, key: string, load: () => Promise<T>): Promise<T> {
    if (!Number.isSafeInteger(customerId) || customerId <= 0) {
      throw new Error(`customer cache: invalid customer id ${customerId}`);
    }
    const scoped = `customer:${customerId}:${key}`;
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
