// Everything the billing page and the header show about a customer's money (spec §3 rule 5):
// balance, month-to-date charged, pending usage, the spending limit, last month's total and the
// next scheduled charge.
import { and, desc, eq, gte, lt, sql } from "drizzle-orm";
import type { Database, Queryable } from "#db/client.ts";
import {
  billingLineItems,
  billingRecords,
  customers,
  escrowAccounts,
  escrowTransactions,
} from "#db/schema/index.ts";
import type { ServiceType } from "../catalog.ts";
import { type CustomerSnapshot, snapshotInventory } from "../customer-snapshot.ts";
import { sumLines } from "../pricing.ts";
import { usageValueCents } from "../usage.ts";
import { monthStart, nextMonthStart, previousMonthStart } from "./calendar.ts";
import { monthlyFeeLines, upcomingMonthlyFees } from "./fees.ts";
import { unbilledUsage } from "./subscriptions.ts";

/** The customer is warned when the balance drops under this (spec §4 banners). */
export const LOW_BALANCE_CENTS = 1_000;

async function paidBetween(db: Queryable, customerId: number, from: Date, to: Date): Promise<number> {
  const [row] = await db
    .select({ cents: sql<string>`coalesce(sum(${billingRecords.amountCents}), 0)` })
    .from(billingRecords)
    .where(
      and(
        eq(billingRecords.customerId, customerId),
        eq(billingRecords.status, "paid"),
        gte(billingRecords.paidAt, from),
        lt(billingRecords.paidAt, to),
      ),
    );
  return Number(row?.cents ?? 0);
}

/** Paid charges in the UTC month of `now`. */
export function monthToDateCharged(db: Queryable, customerId: number, now: Date): Promise<number> {
  return paidBetween(db, customerId, monthStart(now), nextMonthStart(now));
}

/** Usage metered but not yet invoiced, exact to the request; the cents it is worth (rounded down). */
export async function pendingUsage(db: Queryable, customerId: number) {
  const requests = (await unbilledUsage(db, { customerId })).reduce((sum, entry) => sum + entry.requests, 0);
  return { requests, cents: usageValueCents(requests) };
}

/** Paid charges since a moment (the month start), summed by service (null = account-level). */
export async function chargesByServiceSince(db: Queryable, customerId: number, since: Date) {
  const rows = await db
    .select({
      serviceType: billingLineItems.serviceType,
      cents: sql<string>`sum(${billingLineItems.amountCents})`,
    })
    .from(billingLineItems)
    .innerJoin(billingRecords, eq(billingRecords.id, billingLineItems.invoiceId))
    .where(
      and(
        eq(billingRecords.customerId, customerId),
        eq(billingRecords.status, "paid"),
        gte(billingRecords.paidAt, since),
      ),
    )
    .groupBy(billingLineItems.serviceType)
    .orderBy(billingLineItems.serviceType);
  return rows.map((row) => ({ serviceType: row.serviceType, cents: Number(row.cents) }));
}

export async function billingOverview(db: Queryable, customerId: number, now: Date) {
  const [customer] = await db
    .select({
      spendingLimitCents: customers.spendingLimitCents,
      paymentOverdueSince: customers.paymentOverdueSince,
      status: customers.status,
    })
    .from(customers)
    .where(eq(customers.customerId, customerId));
  if (!customer) throw new Error(`unknown customer ${customerId}`);
  const [account] = await db.select().from(escrowAccounts).where(eq(escrowAccounts.customerId, customerId));

  const thisMonth = monthStart(now);
  const nextMonth = nextMonthStart(now);
  const monthToDateCents = await paidBetween(db, customerId, thisMonth, nextMonth);
  const lastMonthCents = await paidBetween(db, customerId, previousMonthStart(now), thisMonth);

  const chargesByService = await chargesByServiceSince(db, customerId, thisMonth);

  const [due] = await db
    .select({ cents: sql<string>`coalesce(sum(${billingRecords.amountCents}), 0)` })
    .from(billingRecords)
    .where(and(eq(billingRecords.customerId, customerId), eq(billingRecords.status, "failed")));

  const upcoming = await upcomingMonthlyFees(db, customerId);
  const usage = await pendingUsage(db, customerId);

  const invoices = await db
    .select()
    .from(billingRecords)
    .where(eq(billingRecords.customerId, customerId))
    .orderBy(desc(billingRecords.createdAt), desc(billingRecords.id))
    .limit(24);
  const ledger = await recentLedger(db, customerId, 20);

  return {
    hasEscrowAccount: Boolean(account),
    escrowObjectId: account?.objectId ?? null,
    balanceCents: account?.balanceCents ?? 0,
    balanceRefreshedAt: account?.balanceRefreshedAt ?? null,
    spendingLimitCents: customer.spendingLimitCents,
    monthToDateCents,
    lastMonthCents,
    chargesByService: chargesByService.map((row) => ({
      serviceType: row.serviceType,
      cents: Number(row.cents),
    })),
    pendingUsage: usage,
    amountDueCents: Number(due?.cents ?? 0),
    paymentOverdueSince: customer.paymentOverdueSince,
    nextCharge: { at: nextMonth, cents: sumLines(upcoming), lines: upcoming },
    invoices,
    ledger,
  };
}

export async function recentLedger(db: Queryable, customerId: number, limit: number) {
  return db
    .select({
      id: escrowTransactions.id,
      kind: escrowTransactions.kind,
      amountCents: escrowTransactions.amountCents,
      txDigest: escrowTransactions.txDigest,
      invoiceId: escrowTransactions.invoiceId,
      executedAt: escrowTransactions.executedAt,
    })
    .from(escrowTransactions)
    .where(eq(escrowTransactions.customerId, customerId))
    .orderBy(desc(escrowTransactions.executedAt), desc(escrowTransactions.id))
    .limit(limit);
}

/** The small summary the header's wallet widget and the banners need on every page. */
export function walletSummary(snapshot: CustomerSnapshot) {
  const upcoming = sumLines(
    monthlyFeeLines(snapshot.services, (serviceId) => snapshotInventory(snapshot, serviceId)),
  );
  const { balanceCents, hasEscrowAccount } = snapshot;
  return {
    hasEscrowAccount,
    balanceCents,
    nextMonthFeesCents: upcoming,
    lowBalance:
      (hasEscrowAccount || upcoming > 0) && (balanceCents < LOW_BALANCE_CENTS || balanceCents < upcoming),
    amountDueCents: snapshot.amountDueCents,
    paymentOverdueSince: snapshot.paymentOverdueSince,
    suspended: snapshot.status === "suspended",
    recent: snapshot.recentLedger,
  };
}

/**
 * What the dashboard shows of this month's charges, in one statement: the paid total of the UTC
 * month of `now` (monthToDateCharged) and the paid charges since its start by service
 * (chargesByServiceSince). A named prepared statement: the dashboard runs it on every view, and
 * PostgreSQL then plans it once per connection instead of once per view.
 */
function buildMonthChargesQuery(db: Database) {
  const id = sql.placeholder("customerId");
  const from = sql.placeholder("from");
  const to = sql.placeholder("to");
  return db
    .select({
      monthToDate: sql<string>`(select coalesce(sum(r.amount_cents), 0) from billing_records r
                 where r.customer_id = ${id} and r.status = 'paid'
                   and r.paid_at >= ${from}::timestamptz and r.paid_at < ${to}::timestamptz)`,
      byService: sql<{ serviceType: ServiceType | null; cents: number | string }[]>`(
                select coalesce(json_agg(json_build_object('serviceType', x.service_type, 'cents', x.cents)
                                         order by x.service_type), '[]'::json)
                  from (select li.service_type, sum(li.amount_cents) as cents
                          from billing_line_items li join billing_records r on r.id = li.invoice_id
                         where r.customer_id = ${id} and r.status = 'paid' and r.paid_at >= ${from}::timestamptz
                         group by li.service_type) x)`,
    })
    .from(customers)
    .where(eq(customers.customerId, id))
    .prepare("month_charges");
}

const preparedMonthCharges = new WeakMap<Database, ReturnType<typeof buildMonthChargesQuery>>();

export async function monthCharges(db: Database, customerId: number, now: Date) {
  let query = preparedMonthCharges.get(db);
  if (!query) {
    query = buildMonthChargesQuery(db);
    preparedMonthCharges.set(db, query);
  }
  const [row] = await query.execute({
    customerId,
    from: monthStart(now).toISOString(),
    to: nextMonthStart(now).toISOString(),
  });
  return {
    monthToDateCents: Number(row?.monthToDate ?? 0),
    chargesByService: (row?.byService ?? []).map((entry) => ({
      serviceType: entry.serviceType,
      cents: Number(entry.cents),
    })),
  };
}
