import { sql } from "drizzle-orm";
import { check, integer, pgTable, text } from "drizzle-orm/pg-core";
import { cents, createdAt, SUI_ADDRESS_PATTERN, utc } from "./columns.ts";

export const CUSTOMER_STATUSES = ["active", "suspended", "closed"] as const;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];

/**
 * A customer is a wallet (1:1). The id is random in [1, 2^31-1] so ids cannot be
 * enumerated; the application draws it and retries on collision (spec §3).
 */
export const customers = pgTable(
  "customers",
  {
    customerId: integer().primaryKey(),
    walletAddress: text().notNull().unique("customers_wallet_address_unique"),
    status: text({ enum: CUSTOMER_STATUSES }).notNull().default("active"),
    /** Monthly spending limit (spec §3 Money): $100–$50,000, default $2,000. */
    spendingLimitCents: cents().notNull().default(200_000),
    /** Set at the first failed invoice; cleared when everything is paid (throttle → suspend clock). */
    paymentOverdueSince: utc(),
    /**
     * The last month ("2026-11") whose opening invoice (that month's fees and the previous month's
     * remaining usage) the manager created; months after it are caught up one by one.
     */
    billingMonth: text(),
    /** Seal keys ever created (spec §3: at most 20 per customer, revoked and deleted included). */
    sealKeysCreated: integer().notNull().default(0),
    suspendedAt: utc(),
    createdAt: createdAt(),
    updatedAt: createdAt(),
    lastLoginAt: utc(),
  },
  (t) => [
    check("customers_id_positive", sql`${t.customerId} > 0`),
    check("customers_wallet_format", sql`${t.walletAddress} ~ '${sql.raw(SUI_ADDRESS_PATTERN)}'`),
    check("customers_status_valid", sql`${t.status} in ('active', 'suspended', 'closed')`),
    check("customers_spending_limit_range", sql`${t.spendingLimitCents} between 10000 and 5000000`),
  ],
);
