import { bigint, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt } from "./columns.ts";

/**
 * How far each log source has been read. Committed in the same transaction as the rows read,
 * so a crash or restart never inserts a line twice. `fileId` (device:inode) detects rotation.
 */
export const ingestOffsets = pgTable("ingest_offsets", {
  source: text().primaryKey(),
  fileId: text(),
  byteOffset: bigint({ mode: "number" }).notNull().default(0),
  updatedAt: createdAt(),
});
