import { sql } from "drizzle-orm";
import { bigint, check, index, integer, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, utc } from "./columns.ts";

/**
 * One row per committed ingest transaction. Rows in `haproxy_logs` carry the batch id;
 * the meter claims unmetered batches (FOR UPDATE SKIP LOCKED) and marks them metered in the
 * same transaction that folds them into `usage_hourly`, which makes metering exactly-once
 * whatever order concurrent ingest transactions commit in.
 */
export const ingestBatches = pgTable(
  "ingest_batches",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    source: text().notNull(),
    rowCount: integer().notNull(),
    /** Smallest and largest `ts` in the batch: lets the meter prune partitions. */
    minTs: utc(),
    maxTs: utc(),
    meteredAt: utc(),
    createdAt: createdAt(),
  },
  (t) => [
    index("ingest_batches_unmetered_idx").on(t.id).where(sql`${t.meteredAt} is null`),
    check("ingest_batches_row_count_non_negative", sql`${t.rowCount} >= 0`),
  ],
);
