import { sql } from "drizzle-orm";
import { bigint, check, index, integer, pgTable, text } from "drizzle-orm/pg-core";
import { billingRecords } from "./billing-records.ts";
import { cents, createdAt, utc } from "./columns.ts";
import { customers } from "./customers.ts";

export const ESCROW_TX_KINDS = ["deposit", "withdraw", "charge", "credit"] as const;
export type EscrowTxKind = (typeof ESCROW_TX_KINDS)[number];

/**
 * The ledger: every balance change has exactly one row, keyed by its unique chain digest,
 * so recording the same transaction twice is impossible.
 */
export const escrowTransactions = pgTable(
  "escrow_transactions",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    customerId: integer()
      .notNull()
      .references(() => customers.customerId),
    kind: text({ enum: ESCROW_TX_KINDS }).notNull(),
    amountCents: cents().notNull(),
    txDigest: text().notNull().unique("escrow_transactions_tx_digest_unique"),
    invoiceId: bigint({ mode: "number" }).references(() => billingRecords.id),
    /** Balance right after this transaction, as reported by the chain. */
    balanceAfterCents: cents(),
    executedAt: utc().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("escrow_transactions_customer_idx").on(t.customerId, t.executedAt),
    check("escrow_transactions_amount_positive", sql`${t.amountCents} > 0`),
    check("escrow_transactions_kind_valid", sql`${t.kind} in ('deposit', 'withdraw', 'charge', 'credit')`),
    check("escrow_transactions_charge_has_invoice", sql`${t.kind} <> 'charge' or ${t.invoiceId} is not null`),
    check(
      "escrow_transactions_balance_non_negative",
      sql`${t.balanceAfterCents} is null or ${t.balanceAfterCents} >= 0`,
    ),
  ],
);
