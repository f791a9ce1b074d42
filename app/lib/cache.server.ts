// In-process cache for expensive per-customer reads (the seed's "application memory" layer):
// usage aggregates behind the dashboard, the stats tab and the billing usage table, and pages of
// request logs. Each web process keeps its own; nothing here is shared between processes or
// persisted.
//
// Every entry is keyed by the customer it belongs to — the API takes the customer id as its own
// argument, so a read can never be cached under a key another customer could hit. Only data that
// the manager changes (usage rollups) is cached; balances, states and anything a customer's own
// action changes are always read fresh, so nobody sees their own change lag behind. (Log pages are
// keyed by the customer's log mark as well, which every ingest batch moves: request-log-cache.server.ts.)
import { LRUCache } from "lru-cache";

/** The longest a usage aggregate is served from memory. */
export const USAGE_CACHE_TTL_MS = 30_000;
/** How long one reading of the data version is trusted before asking the database again. */
const VERSION_TTL_MS = 1_000;
const MAX_ENTRIES = 20_000;
/** Memory budget: entries count what `fetch` was told they weigh, or ENTRY_BYTES. */
const MAX_BYTES = 32 * 1024 * 1024;
/** What an entry of unknown size counts for (usage aggregates are a few hundred bytes). */
const ENTRY_BYTES = 512;

/** An entry: the read of a value, pending or done. Boxed anew once its size is known (lru-cache sizes on set). */
interface Entry {
  value: Promise<unknown>;
}

export class CustomerCache {
  // Promises, not values: concurrent misses for one key share a single database read.
  readonly #entries: LRUCache<string, Entry>;
  readonly #version: (() => Promise<string>) | undefined;
  #versionRead: { at: number; value: Promise<string> } | undefined;

  /**
   * `version` names the current state of the cached data (for usage: the newest metered ingest
   * batch). It is part of every key, so fresh data is served as soon as the manager meters new
   * logs, not a TTL later; the TTL only bounds what a version cannot see.
   */
  constructor(
    options: { ttlMs?: number; maxEntries?: number; maxBytes?: number; version?: () => Promise<string> } = {},
  ) {
    this.#entries = new LRUCache<string, Entry>({
      max: options.maxEntries ?? MAX_ENTRIES,
      maxSize: options.maxBytes ?? MAX_BYTES,
      sizeCalculation: () => ENTRY_BYTES,
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

  /**
   * The value cached for this customer under `key`, loading (and caching) it when absent. `bytes`
   * tells what a loaded value weighs, for values larger than a usage aggregate. `ownVersion`: the
   * key already names the state of the data it caches, so the data version is not added to it
   * (nor read).
   */
  async fetch<T>(
    customerId: number,
    key: string,
    load: () => Promise<T>,
    options: { bytes?: (value: T) => number; ownVersion?: boolean } = {},
  ): Promise<T> {
    if (!Number.isSafeInteger(customerId) || customerId <= 0) {
      throw new Error(`customer cache: invalid customer id ${customerId}`);
    }
    const version = options.ownVersion ? "own" : await this.#currentVersion();
    const scoped = `customer:${customerId}:${key}@${version}`;
    const cached = this.#entries.get(scoped);
    if (cached) return cached.value as Promise<T>;
    const loading = load();
    const entry: Entry = { value: loading };
    this.#entries.set(scoped, entry);
    const { bytes } = options;
    loading.then(
      (value) => {
        if (bytes && this.#entries.peek(scoped) === entry) {
          this.#entries.set(scoped, { value: loading }, { size: ENTRY_BYTES + Math.max(0, bytes(value)) });
        }
      },
      // A failed read is not remembered: the next request tries again.
      () => {
        const current = this.#entries.peek(scoped);
        if (current?.value === loading) this.#entries.delete(scoped);
      },
    );
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
