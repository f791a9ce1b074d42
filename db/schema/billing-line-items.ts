import { sql } from "drizzle-orm";
import { bigint, check, index, pgTable, text } from "drizzle-orm/pg-core";
import { billingRecords } from "./billing-records.ts";
import { cents, createdAt, SERVICE_TYPES } from "./columns.ts";

/** One line of an invoice. Credits are negative; the invoice total is the sum of its lines. */
export const billingLineItems = pgTable(
  "billing_line_items",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    invoiceId: bigint({ mode: "number" })
      .notNull()
      .references(() => billingRecords.id, { onDelete: "cascade" }),
    serviceType: text({ enum: SERVICE_TYPES }),
    /** What the line is for: tier, burst, api_key, seal_key, package, usage, proration, credit… */
    itemType: text().notNull(),
    description: text().notNull(),
    quantity: bigint({ mode: "number" }).notNull().default(1),
    unitPriceCents: cents().notNull(),
    amountCents: cents().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("billing_line_items_invoice_idx").on(t.invoiceId),
    check("billing_line_items_quantity_positive", sql`${t.quantity} > 0`),
  ],
);
