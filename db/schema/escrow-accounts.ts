import { sql } from "drizzle-orm";
import { bigint, check, integer, pgTable, text } from "drizzle-orm/pg-core";
import { cents, createdAt, utc } from "./columns.ts";
import { customers } from "./customers.ts";

/**
 * The customer's on-chain escrow object and its cached balance. The chain is the truth;
 * the cache is refreshed by the manager every cycle and after any deposit/withdrawal.
 */
export const escrowAccounts = pgTable(
  "escrow_accounts",
  {
    customerId: integer()
      .primaryKey()
      .references(() => customers.customerId),
    objectId: text().notNull().unique("escrow_accounts_object_id_unique"),
    balanceCents: cents().notNull().default(0),
    balanceRefreshedAt: utc(),
    /**
     * The escrow object's on-chain version the cached balance was read at. Sui objects get a new
     * version with every change, so a cached balance is only ever replaced by a newer one,
     * whatever order concurrent readers finish in.
     */
    balanceVersion: bigint({ mode: "number" }).notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [check("escrow_accounts_balance_non_negative", sql`${t.balanceCents} >= 0`)],
);
