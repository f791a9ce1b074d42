import { bigint, integer, pgTable, varchar } from "drizzle-orm/pg-core";

/**
 * Rate-limit counters shared by every app instance (spec §6). The column layout is the one
 * `rate-limiter-flexible`'s PostgreSQL store reads and writes (key, points, expire in ms).
 */
export const rateLimitBuckets = pgTable("rate_limit_buckets", {
  key: varchar({ length: 255 }).primaryKey(),
  points: integer().notNull().default(0),
  expire: bigint({ mode: "number" }),
});
