import { sql } from "drizzle-orm";
import { bigint, check, integer, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, SHA256_HEX_PATTERN } from "./columns.ts";

/** Every vault the manager wrote (spec §7): a new version only when the content hash changes. */
export const vaultVersions = pgTable(
  "vault_versions",
  {
    seq: bigint({ mode: "number" }).primaryKey(),
    contentHash: text().notNull(),
    fileName: text().notNull().unique("vault_versions_file_name_unique"),
    customerCount: integer().notNull(),
    bytes: bigint({ mode: "number" }).notNull(),
    encrypted: text({ enum: ["none", "aes-256-gcm"] })
      .notNull()
      .default("none"),
    createdAt: createdAt(),
  },
  (t) => [
    check("vault_versions_seq_positive", sql`${t.seq} > 0`),
    check("vault_versions_hash_format", sql`${t.contentHash} ~ '${sql.raw(SHA256_HEX_PATTERN)}'`),
  ],
);
