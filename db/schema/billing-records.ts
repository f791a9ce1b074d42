import { sql } from "drizzle-orm";
import { bigint, boolean, check, index, integer, pgTable, text, unique } from "drizzle-orm/pg-core";
import { cents, createdAt, utc } from "./columns.ts";
import { customers } from "./customers.ts";

export const INVOICE_KINDS = ["subscription", "usage", "adjustment"] as const;
export type InvoiceKind = (typeof INVOICE_KINDS)[number];
export const INVOICE_STATUSES = ["pending", "paid", "failed", "voided"] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

/**
 * Invoices. The id doubles as the chain charge nonce so a retried charge is never taken twice;
 * the idempotency key is unique per customer (kind + period or change).
 */
export const billingRecords = pgTable(
  "billing_records",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    customerId: integer()
      .notNull()
      .references(() => customers.customerId),
    kind: text({ enum: INVOICE_KINDS }).notNull(),
    status: text({ enum: INVOICE_STATUSES }).notNull().default("pending"),
    idempotencyKey: text().notNull(),
    amountCents: cents().notNull(),
    periodStart: utc(),
    periodEnd: utc(),
    failureReason: text(),
    /**
     * Recurring charges (subscription, usage) stay `failed` and are retried every cycle; a charge
     * for a change the customer asked for is `voided` when refused, and the change not applied.
     */
    retryOnFailure: boolean().notNull().default(true),
    attemptCount: integer().notNull().default(0),
    lastAttemptAt: utc(),
    firstFailedAt: utc(),
    paidAt: utc(),
    txDigest: text(),
    createdAt: createdAt(),
    updatedAt: createdAt(),
  },
  (t) => [
    unique("billing_records_customer_idempotency").on(t.customerId, t.idempotencyKey),
    index("billing_records_customer_created_idx").on(t.customerId, t.createdAt),
    index("billing_records_status_idx").on(t.status).where(sql`${t.status} in ('pending', 'failed')`),
    check("billing_records_amount_non_negative", sql`${t.amountCents} >= 0`),
    check("billing_records_kind_valid", sql`${t.kind} in ('subscription', 'usage', 'adjustment')`),
    check("billing_records_status_valid", sql`${t.status} in ('pending', 'paid', 'failed', 'voided')`),
    check(
      "billing_records_paid_has_digest",
      sql`${t.status} <> 'paid' or ${t.txDigest} is not null or ${t.amountCents} = 0`,
    ),
  ],
);
