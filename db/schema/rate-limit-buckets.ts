import { integer, pgTable, varchar } from "drizzle-orm/pg-core";
import { utc } from "./columns.ts";

/**
 * Rate-limit counters shared by every app instance (spec §6), in the layout
 * `rate-limiter-flexible`'s Drizzle store reads and writes. Expired rows are purged by the
 * manager's cleanup task.
 */
export const rateLimitBuckets = pgTable("rate_limit_buckets", {
  key: varchar({ length: 255 }).primaryKey(),
  points: integer().notNull().default(0),
  expire: utc(),
});
