import { sql } from "drizzle-orm";
import { bigint, bigserial, index, integer, pgTable, smallint, text } from "drizzle-orm/pg-core";
import { createdAt, utc } from "./columns.ts";

import { LOG_OUTCOMES } from "./values.ts";

export { LOG_OUTCOMES, type LogOutcome } from "./values.ts";

/**
 * One row per request (or per group of identical requests, `repeat`) parsed from HAProxy log
 * format v1. Range-partitioned by day on `ts` (see the migration; drizzle-kit cannot express
 * PARTITION BY) with 90-day retention. Deliberately no foreign keys and no CHECKs on
 * configuration state: a log row is never rejected because of what the database believes.
 */
export const haproxyLogs = pgTable(
  "haproxy_logs",
  {
    /**
     * Row id from a sequence, filled by default (COPY leaves it out): the tie-breaker that makes
     * request-log pagination a stable keyset on (ts, id) without OFFSET. Unique in practice, not
     * enforced (a partitioned table's unique index would have to include ts).
     */
    id: bigserial({ mode: "number" }).notNull(),
    ts: utc().notNull(),
    region: text().notNull(),
    serverId: text().notNull(),
    service: text().notNull(),
    /** null when HAProxy logged `-` (unauthenticated request). */
    customerId: integer(),
    /** First 16 hex chars of sha256(api key), or null for `-`. */
    keyFp: text(),
    clientIp: text().notNull(),
    method: text().notNull(),
    status: smallint().notNull(),
    bytesIn: bigint({ mode: "number" }).notNull(),
    bytesOut: bigint({ mode: "number" }).notNull(),
    tTotalMs: integer().notNull(),
    tBackendMs: integer().notNull(),
    outcome: text({ enum: LOG_OUTCOMES }).notNull(),
    repeat: integer().notNull().default(1),
    /** The ingest batch that inserted the row; metering folds whole batches exactly once. */
    batchId: bigint({ mode: "number" }).notNull(),
    ingestedAt: createdAt(),
  },
  (t) => [
    // The request-log page: newest first per customer, keyset on (ts, id). NULLS FIRST is what a
    // plain `order by ts desc` means; an index declared NULLS LAST cannot serve that order even
    // on NOT NULL columns, and the page would sort every row in the range.
    index("haproxy_logs_customer_ts_id_idx").on(
      t.customerId,
      t.ts.desc().nullsFirst(),
      t.id.desc().nullsFirst(),
    ),
    // "Show me the failures": the same order over only the rows that were not served fine, so a
    // 5xx or denied filter reads only matching rows even when they are 1 in 1,000.
    index("haproxy_logs_customer_problems_idx")
      .on(t.customerId, t.ts.desc().nullsFirst(), t.id.desc().nullsFirst())
      .where(sql`${t.status} >= 400 or ${t.outcome} <> 'ok'`),
    index("haproxy_logs_batch_idx").on(t.batchId),
  ],
);
