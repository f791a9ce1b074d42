// The Logs tab's pages, kept until the customer's logs change (spec §4 Logs tab; the seed's
// in-process cache). A customer's request logs change only when an ingest batch with their rows
// commits, and that batch moves their log mark (`customer_log_marks`, read with the session check
// at no extra round trip). A page kept under the mark it was read at is therefore what the query
// would return now — so a repeated view, paging back and forth or a filter tried again costs no
// statement until new rows arrive.
import { type RequestLogPage, type RequestLogQueryInput, requestLogPage } from "#app/domain/request-logs.ts";
import type { Queryable } from "#db/client.ts";
import type { CustomerCache } from "./cache.server.ts";

const MINUTE_MS = 60_000;

/**
 * A page of the customer's request logs: from the cache when one was read since their logs last
 * changed, else from PostgreSQL (and kept). Ranges count back from the start of the current UTC
 * minute, so a kept page is exactly what the query gives during that minute (a row that ages out
 * of the range leaves it at the next minute, not at its very millisecond).
 */
export function cachedRequestLogPage(
  cache: CustomerCache,
  db: Queryable,
  input: RequestLogQueryInput & { logsMark: number | null },
): Promise<RequestLogPage> {
  const { logsMark, ...query } = input;
  const minuteStart = Math.floor(query.now.getTime() / MINUTE_MS) * MINUTE_MS;
  // The parsed filters (cursors as epoch ms + id), not the raw query string: spellings of one
  // filter share an entry, and nothing the customer types goes into a key unparsed.
  const key = [
    "logs",
    logsMark ?? "none",
    minuteStart,
    query.service,
    query.pageSize ?? "",
    JSON.stringify(query.filters),
  ].join(":");
  return cache.fetch(
    query.customerId,
    key,
    () => requestLogPage(db, { ...query, now: new Date(minuteStart) }),
    {
      bytes: (page) => page.rows.length + (page.older?.length ?? 0) + (page.newer?.length ?? 0),
      // The mark is this data's version; metering (the usage data version) does not change logs.
      ownVersion: true,
    },
  );
}
