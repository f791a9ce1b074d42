import { sql } from "drizzle-orm";
import { check, index, integer, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { createdAt, SHA256_HEX_PATTERN, utc } from "./columns.ts";
import { customers } from "./customers.ts";

/**
 * One row per refresh token. A sign-in starts a family; every refresh rotates to a new row in
 * the same family. Presenting a token whose row was already rotated revokes the whole family.
 */
export const sessions = pgTable(
  "sessions",
  {
    id: uuid().primaryKey(),
    familyId: uuid().notNull(),
    customerId: integer()
      .notNull()
      .references(() => customers.customerId),
    refreshTokenHash: text().notNull().unique("sessions_refresh_token_hash_unique"),
    createdAt: createdAt(),
    expiresAt: utc().notNull(),
    rotatedAt: utc(),
    revokedAt: utc(),
    ip: text(),
    userAgent: text(),
  },
  (t) => [
    index("sessions_family_idx").on(t.familyId),
    index("sessions_customer_idx").on(t.customerId),
    index("sessions_expires_idx").on(t.expiresAt),
    check("sessions_hash_format", sql`${t.refreshTokenHash} ~ '${sql.raw(SHA256_HEX_PATTERN)}'`),
  ],
);
