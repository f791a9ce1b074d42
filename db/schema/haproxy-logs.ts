import { bigint, index, integer, pgTable, smallint, text } from "drizzle-orm/pg-core";
import { createdAt, utc } from "./columns.ts";

export const LOG_OUTCOMES = ["ok", "denied", "ratelimited", "ipblocked", "unauthorized", "error"] as const;
export type LogOutcome = (typeof LOG_OUTCOMES)[number];

/**
 * One row per request (or per group of identical requests, `repeat`) parsed from HAProxy log
 * format v1. Range-partitioned by day on `ts` (see the migration; drizzle-kit cannot express
 * PARTITION BY) with 90-day retention. Deliberately no foreign keys and no CHECKs on
 * configuration state: a log row is never rejected because of what the database believes.
 */
export const haproxyLogs = pgTable(
  "haproxy_logs",
  {
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
    index("haproxy_logs_customer_ts_idx").on(t.customerId, t.ts.desc()),
    index("haproxy_logs_batch_idx").on(t.batchId),
  ],
);
