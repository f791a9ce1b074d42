// A customer's request logs (spec §3 Usage and logs, §4 Logs tab): newest first from
// `haproxy_logs`, filtered, paginated by keyset on (ts, id) — never OFFSET, so page 1,000 costs
// what page 1 costs. The indexes that serve it are (customer_id, ts desc, id desc) and the
// partial index over the rows that were not served fine (see db/schema/haproxy-logs.ts).
import { and, asc, desc, eq, gte, lte, type SQL, sql } from "drizzle-orm";
import type { Queryable } from "#db/client.ts";
import { apiKeys, haproxyLogs } from "#db/schema/index.ts";
import type { LogOutcome } from "#db/schema/values.ts";
import { apiKeyFingerprint } from "./api-keys.ts";
import {
  encodeCursor,
  LOG_PAGE_SIZE,
  LOG_RANGES,
  type LogCursor,
  type LogFilters,
  STATUS_CLASSES,
} from "./request-log-filters.ts";

export interface RequestLogEntry {
  /** Stable row key for rendering. */
  key: string;
  ts: string;
  region: string;
  service: string;
  method: string;
  status: number;
  outcome: LogOutcome;
  latencyMs: number;
  bytesIn: number;
  bytesOut: number;
  /** "abc123…wxyz" for one of the customer's keys, null for a request without a key. */
  apiKey: string | null;
  /** Identical requests folded into this row by the ingest. */
  repeat: number;
}

export interface RequestLogPage {
  entries: RequestLogEntry[];
  /** Cursor for the next (older) page, when there is one. */
  older: string | null;
  /** Cursor for the previous (newer) page, when there is one. */
  newer: string | null;
}

export interface KeyChoice {
  id: number;
  label: string;
  fingerprint: string;
  state: "active" | "revoked" | "deleted";
}

/** Every API key the customer has had (deleted ones too: their requests are still in the logs). */
export async function keyChoices(db: Queryable, customerId: number): Promise<KeyChoice[]> {
  const rows = await db
    .select({
      id: apiKeys.id,
      serviceType: apiKeys.serviceType,
      name: apiKeys.name,
      keyHash: apiKeys.keyHash,
      keyPrefix: apiKeys.keyPrefix,
      keySuffix: apiKeys.keySuffix,
      revokedAt: apiKeys.revokedAt,
      deletedAt: apiKeys.deletedAt,
    })
    .from(apiKeys)
    .where(eq(apiKeys.customerId, customerId))
    .orderBy(asc(apiKeys.id));
  return rows.map((row) => ({
    id: row.id,
    label: `${row.keyPrefix}…${row.keySuffix}${row.name ? ` (${row.name})` : ""}`,
    fingerprint: apiKeyFingerprint(row.keyHash),
    state: row.deletedAt ? "deleted" : row.revokedAt ? "revoked" : "active",
  }));
}

export class UnknownKeyFilterError extends Error {}

/**
 * How far ahead of this server's clock a logged request may be stamped and still be listed (edge
 * clocks drift a little); a row further ahead, from an edge with a wrong clock, shows once its
 * time has come.
 */
export const LOG_CLOCK_SLACK_MS = 3_600_000;

/** The page query itself (one statement; exposed so its plan can be checked). */
export function requestLogQuery(
  db: Queryable,
  input: {
    customerId: number;
    filters: LogFilters;
    /** The service the page is for; the filter's "all" widens it. */
    service: string;
    keys: readonly KeyChoice[];
    now: Date;
    pageSize?: number;
  },
) {
  const { filters, customerId } = input;
  const pageSize = input.pageSize ?? LOG_PAGE_SIZE;
  const since = new Date(input.now.getTime() - LOG_RANGES[filters.range].ms);
  // Bounded above too, so the planner prunes the empty day partitions made ahead of today (a week
  // of them): without this bound, planning a first page cost more than running it.
  const until = new Date(input.now.getTime() + LOG_CLOCK_SLACK_MS);
  const conditions: (SQL | undefined)[] = [
    eq(haproxyLogs.customerId, customerId),
    gte(haproxyLogs.ts, since),
    lte(haproxyLogs.ts, until),
  ];

  const service = filters.service ?? input.service;
  if (service !== "all") conditions.push(eq(haproxyLogs.service, service));
  if (filters.status) {
    const { min, max } = STATUS_CLASSES[filters.status];
    conditions.push(gte(haproxyLogs.status, min), lte(haproxyLogs.status, max));
  }
  if (filters.outcome) conditions.push(eq(haproxyLogs.outcome, filters.outcome));
  if (filters.key !== undefined) {
    const key = input.keys.find((candidate) => candidate.id === filters.key);
    // The key list is the customer's own: another customer's key id is simply not in it.
    if (!key) throw new UnknownKeyFilterError("not one of this customer's keys");
    conditions.push(eq(haproxyLogs.keyFp, key.fingerprint));
  }

  // Newer pages are read oldest-first from the cursor, then flipped back to newest-first.
  const readingNewer = filters.after !== undefined;
  const cursor: LogCursor | undefined = filters.after ?? filters.before;
  if (cursor) {
    const position = sql`(${haproxyLogs.ts}, ${haproxyLogs.id})`;
    const at = sql`(${cursor.ts}::timestamptz, ${cursor.id}::bigint)`;
    conditions.push(readingNewer ? sql`${position} > ${at}` : sql`${position} < ${at}`);
    // The row comparison alone does not bound the index range on ts; this does.
    conditions.push(readingNewer ? gte(haproxyLogs.ts, cursor.ts) : lte(haproxyLogs.ts, cursor.ts));
  }

  const query = db
    .select({
      id: haproxyLogs.id,
      ts: haproxyLogs.ts,
      region: haproxyLogs.region,
      service: haproxyLogs.service,
      method: haproxyLogs.method,
      status: haproxyLogs.status,
      outcome: haproxyLogs.outcome,
      latencyMs: haproxyLogs.tTotalMs,
      bytesIn: haproxyLogs.bytesIn,
      bytesOut: haproxyLogs.bytesOut,
      keyFp: haproxyLogs.keyFp,
      repeat: haproxyLogs.repeat,
    })
    .from(haproxyLogs)
    .where(and(...conditions))
    .orderBy(
      ...(readingNewer
        ? [asc(haproxyLogs.ts), asc(haproxyLogs.id)]
        : [desc(haproxyLogs.ts), desc(haproxyLogs.id)]),
    )
    .limit(pageSize + 1);
  return { query, readingNewer, cursor, pageSize };
}

export async function requestLogPage(
  db: Queryable,
  input: Parameters<typeof requestLogQuery>[1],
): Promise<RequestLogPage> {
  const { query, readingNewer, cursor, pageSize } = requestLogQuery(db, input);
  const rows = await query;

  const more = rows.length > pageSize;
  const page = rows.slice(0, pageSize);
  if (readingNewer) page.reverse();

  const labels = new Map(input.keys.map((key) => [key.fingerprint, key.label]));
  const entries = page.map((row) => ({
    key: `${row.ts.getTime()}.${row.id}`,
    ts: row.ts.toISOString(),
    region: row.region,
    service: row.service,
    method: row.method,
    status: row.status,
    outcome: row.outcome,
    latencyMs: row.latencyMs,
    bytesIn: row.bytesIn,
    bytesOut: row.bytesOut,
    apiKey: row.keyFp === null ? null : (labels.get(row.keyFp) ?? `unknown key ${row.keyFp.slice(0, 8)}`),
    repeat: row.repeat,
  }));
  const first = page[0];
  const last = page.at(-1);
  // Coming from a cursor means there is something on the other side of it.
  const hasOlder = readingNewer ? cursor !== undefined : more;
  const hasNewer = readingNewer ? more : cursor !== undefined;
  return {
    entries,
    older: hasOlder && last ? encodeCursor({ ts: last.ts, id: last.id }) : null,
    newer: hasNewer && first ? encodeCursor({ ts: first.ts, id: first.id }) : null,
  };
}
