// What else becomes true when an invoice is paid. A month's opening invoice ("month:YYYY-MM")
// pays that month's fees: each service it covers records the month and the fee level paid, which
// fee-raising changes later compare against.
import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { Queryable } from "#db/client.ts";
import { billingLineItems, serviceInstances } from "#db/schema/index.ts";

const MONTH_KEY = /^month:(\d{4}-\d{2})$/;

export function monthOfOpeningInvoice(idempotencyKey: string): string | null {
  return MONTH_KEY.exec(idempotencyKey)?.[1] ?? null;
}

export async function onInvoicePaid(
  tx: Queryable,
  invoice: { id: number; customerId: number; idempotencyKey: string },
): Promise<void> {
  const month = monthOfOpeningInvoice(invoice.idempotencyKey);
  if (!month) return;
  const fees = await tx
    .select({
      serviceType: billingLineItems.serviceType,
      cents: sql<string>`sum(${billingLineItems.amountCents})`,
    })
    .from(billingLineItems)
    .where(and(eq(billingLineItems.invoiceId, invoice.id), sql`${billingLineItems.itemType} <> 'usage'`))
    .groupBy(billingLineItems.serviceType);
  for (const fee of fees) {
    if (!fee.serviceType) continue;
    await tx
      .update(serviceInstances)
      .set({ paidMonth: month, paidFeeCents: Number(fee.cents) })
      .where(
        and(
          eq(serviceInstances.customerId, invoice.customerId),
          eq(serviceInstances.serviceType, fee.serviceType),
          or(isNull(serviceInstances.paidMonth), lt(serviceInstances.paidMonth, month)),
        ),
      );
  }
}
