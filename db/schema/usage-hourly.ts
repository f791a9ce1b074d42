import { sql } from "drizzle-orm";
import { bigint, check, integer, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { utc } from "./columns.ts";

const count = () => bigint({ mode: "number" }).notNull().default(0);

/**
 * Hourly rollups of `haproxy_logs` per customer and service (kept 2 years): the source of both
 * billing and charts. `billable` counts outcome `ok` with status 200–399 (spec §3 Usage).
 */
export const usageHourly = pgTable(
  "usage_hourly",
  {
    customerId: integer().notNull(),
    service: text().notNull(),
    hour: utc().notNull(),
    requests: count(),
    billable: count(),
    clientErrors: count(),
    serverErrors: count(),
    denied: count(),
    rateLimited: count(),
    ipBlocked: count(),
    unauthorized: count(),
    bytesIn: count(),
    bytesOut: count(),
    latencySumMs: count(),
    /** Request counts per latency bucket; bucket bounds live in the metering module. */
    latencyHistogram: bigint({ mode: "number" }).array().notNull().default(sql`'{}'::bigint[]`),
  },
  (t) => [
    primaryKey({ columns: [t.customerId, t.service, t.hour] }),
    check("usage_hourly_hour_aligned", sql`${t.hour} = date_trunc('hour', ${t.hour}, 'UTC')`),
    check("usage_hourly_counts_non_negative", sql`${t.requests} >= 0 and ${t.billable} >= 0`),
  ],
);
