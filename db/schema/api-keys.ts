import { sql } from "drizzle-orm";
import { bigint, check, index, integer, pgTable, text, unique, uuid } from "drizzle-orm/pg-core";
import { createdAt, SERVICE_TYPES, SHA256_HEX_PATTERN, utc } from "./columns.ts";
import { customers } from "./customers.ts";
import { serviceInstances } from "./service-instances.ts";

/**
 * API keys are stored only as SHA-256 hashes (spec §2.5); the full key is shown once.
 * Active (revokedAt null) → revoked → deleted (soft, so logs can still show the key's ends).
 */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    customerId: integer()
      .notNull()
      .references(() => customers.customerId),
    serviceInstanceId: bigint({ mode: "number" })
      .notNull()
      .references(() => serviceInstances.id, { onDelete: "cascade" }),
    serviceType: text({ enum: SERVICE_TYPES }).notNull(),
    keyHash: text().notNull().unique("api_keys_key_hash_unique"),
    /** First 6 and last 4 characters, for display only. */
    keyPrefix: text().notNull(),
    keySuffix: text().notNull(),
    name: text(),
    /** The form submission that created it: a double submit creates one, not two. */
    creationRequestId: uuid(),
    createdAt: createdAt(),
    revokedAt: utc(),
    deletedAt: utc(),
  },
  (t) => [
    unique("api_keys_creation_request").on(t.customerId, t.creationRequestId),
    index("api_keys_customer_idx").on(t.customerId, t.serviceType),
    check("api_keys_hash_format", sql`${t.keyHash} ~ '${sql.raw(SHA256_HEX_PATTERN)}'`),
    check("api_keys_prefix_len", sql`char_length(${t.keyPrefix}) = 6`),
    check("api_keys_suffix_len", sql`char_length(${t.keySuffix}) = 4`),
    check("api_keys_name_len", sql`${t.name} is null or char_length(${t.name}) <= 64`),
  ],
);
