import { sql } from "drizzle-orm";
import { check, index, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, SUI_ADDRESS_PATTERN, utc } from "./columns.ts";

/** Sign-in challenges: stored, single-use (usedAt), valid for 5 minutes. */
export const authNonces = pgTable(
  "auth_nonces",
  {
    nonce: text().primaryKey(),
    address: text().notNull(),
    message: text().notNull(),
    issuedAt: createdAt(),
    expiresAt: utc().notNull(),
    usedAt: utc(),
  },
  (t) => [
    index("auth_nonces_expires_idx").on(t.expiresAt),
    check("auth_nonces_nonce_format", sql`${t.nonce} ~ '^[0-9a-f]{64}$'`),
    check("auth_nonces_address_format", sql`${t.address} ~ '${sql.raw(SUI_ADDRESS_PATTERN)}'`),
  ],
);
