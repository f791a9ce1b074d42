import { sql } from "drizzle-orm";
import { bigint, check, index, jsonb, pgTable, text, unique } from "drizzle-orm/pg-core";
import { cents, createdAt, SUI_ADDRESS_PATTERN } from "./columns.ts";

/**
 * The `mock` SuiGateway's simulated USDC ledger (dev, demo, tests). Only the mock gateway
 * reads or writes these tables; nothing else may know whether the chain is simulated.
 */
export const mockChainAccounts = pgTable(
  "mock_chain_accounts",
  {
    objectId: text().primaryKey(),
    ownerAddress: text().notNull().unique("mock_chain_accounts_owner_unique"),
    balanceCents: cents().notNull().default(0),
    spendingLimitCents: cents().notNull(),
    /** Like a Sui object's version: incremented by every transaction that changes the account. */
    version: bigint({ mode: "number" }).notNull().default(1),
    createdAt: createdAt(),
  },
  (t) => [
    check("mock_chain_accounts_balance_non_negative", sql`${t.balanceCents} >= 0`),
    check("mock_chain_accounts_owner_format", sql`${t.ownerAddress} ~ '${sql.raw(SUI_ADDRESS_PATTERN)}'`),
  ],
);

export const MOCK_TX_KINDS = [
  "open_account",
  "deposit",
  "withdraw",
  "charge",
  "credit",
  "set_spending_limit",
] as const;

export const mockChainTransactions = pgTable(
  "mock_chain_transactions",
  {
    digest: text().primaryKey(),
    kind: text({ enum: MOCK_TX_KINDS }).notNull(),
    accountObjectId: text()
      .notNull()
      .references(() => mockChainAccounts.objectId),
    sender: text().notNull(),
    amountCents: cents().notNull().default(0),
    /** Charges carry the invoice id as nonce: one charge per (account, nonce). */
    nonce: text(),
    status: text({ enum: ["success", "failure"] }).notNull(),
    error: text(),
    balanceAfterCents: cents().notNull(),
    /** The account's version after this transaction. */
    accountVersion: bigint({ mode: "number" }).notNull().default(1),
    createdAt: createdAt(),
  },
  (t) => [
    unique("mock_chain_transactions_account_nonce").on(t.accountObjectId, t.nonce),
    index("mock_chain_transactions_account_idx").on(t.accountObjectId, t.createdAt),
    check("mock_chain_transactions_amount_non_negative", sql`${t.amountCents} >= 0`),
  ],
);

export const mockChainEvents = pgTable(
  "mock_chain_events",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    digest: text()
      .notNull()
      .references(() => mockChainTransactions.digest),
    type: text().notNull(),
    payload: jsonb().$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("mock_chain_events_digest_idx").on(t.digest)],
);
