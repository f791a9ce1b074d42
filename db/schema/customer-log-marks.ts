import { bigint, integer, pgTable } from "drizzle-orm/pg-core";

/**
 * The last ingest batch that brought each customer log rows: written by every ingest transaction
 * for the customers in it, so it names the state of the customer's request logs. The Logs tab
 * keeps a page under it and asks PostgreSQL again only when new rows can have arrived (see
 * app/lib/request-log-cache.server.ts). Each commit writes its own batch id, whatever order
 * concurrent batches commit in, so a value is never reused for different data. No foreign key:
 * logs may name customers the edge knew before this database did, like `haproxy_logs` itself.
 */
export const customerLogMarks = pgTable("customer_log_marks", {
  customerId: integer().primaryKey(),
  batchId: bigint({ mode: "number" }).notNull(),
});
