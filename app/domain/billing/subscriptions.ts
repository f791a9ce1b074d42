// Recurring billing (spec §3 billing rules 1–4), run by the manager per customer:
// - opening a month: scheduled downgrades and cancellations take effect, then one invoice carries
//   the previous month's remaining usage and the new month's fees, charged in advance;
// - usage in between: invoiced once unbilled usage reaches $5;
// - standing: throttled from the first failed invoice, suspended after 7 days unpaid, restored
//   when everything is paid;
// - cancelled services are purged after 7 days.
// Usage is exact to the request: invoices take whole cents of it, the remainder carries over.
import { and, eq, lt, lte, sql } from "drizzle-orm";
import { type DatabaseHandle, type Queryable, queryRows } from "#db/client.ts";
import { withCustomerLock } from "#db/customer-lock.ts";
import { customers, serviceInstances } from "#db/schema/index.ts";
import { recordActivity } from "../activity.ts";
import {
  PURGE_AFTER_DAYS,
  type ServiceType,
  SUSPEND_AFTER_DAYS,
  serviceDefinition,
  tierDefinition,
  USAGE_INVOICE_THRESHOLD_CENTS,
  USAGE_PRICE,
} from "../catalog.ts";
import { formatCents } from "../money.ts";
import { serviceFeeLines } from "../pricing.ts";
import { pricingConfig, scheduledChangesOf, serviceInventory } from "../services.ts";
import { invoiceableUsage, REQUESTS_PER_CENT } from "../usage.ts";
import { monthKey, monthStart, nextMonthStart } from "./calendar.ts";
import { type BillingDeps, type ChargeResult, charge, type InvoiceLineInput } from "./charge.ts";

export interface RecurringDeps extends BillingDeps {
  database: DatabaseHandle;
}

const DAY_MS = 86_400_000;

const monthName = (start: Date) =>
  new Intl.DateTimeFormat("en-US", { month: "long", year: "numeric", timeZone: "UTC" }).format(start);

/** "2026-11" → the first instant of that month. */
export function monthFromKey(key: string): Date {
  const [year, month] = key.split("-").map(Number);
  return new Date(Date.UTC(year ?? 1970, (month ?? 1) - 1, 1));
}

/**
 * Unbilled successful requests per customer and service: metered (optionally only hours before a
 * moment) minus what usage invoice lines already carry (voided invoices excepted).
 */
export async function unbilledUsage(
  db: Queryable,
  options: { customerId?: number; before?: Date } = {},
): Promise<{ customerId: number; service: ServiceType; requests: number }[]> {
  const rows = await queryRows<{ customer_id: number; service: string; unbilled: string }>(
    db,
    sql`with metered as (
          select customer_id, service, sum(billable) as requests from usage_hourly
           where true
           ${options.before ? sql`and hour < ${options.before}` : sql``}
           ${options.customerId ? sql`and customer_id = ${options.customerId}` : sql``}
           group by 1, 2
        ), billed as (
          select r.customer_id, li.service_type as service, sum(li.quantity) as requests
            from billing_line_items li join billing_records r on r.id = li.invoice_id
           where li.item_type = 'usage' and r.status <> 'voided'
           ${options.customerId ? sql`and r.customer_id = ${options.customerId}` : sql``}
           group by 1, 2
        )
        select m.customer_id, m.service, m.requests - coalesce(b.requests, 0) as unbilled
          from metered m left join billed b on b.customer_id = m.customer_id and b.service = m.service
         where m.requests - coalesce(b.requests, 0) > 0`,
  );
  return rows.map((row) => ({
    customerId: Number(row.customer_id),
    service: row.service as ServiceType,
    requests: Number(row.unbilled),
  }));
}

function usageLines(
  unbilled: { service: ServiceType; requests: number }[],
  until: string,
): InvoiceLineInput[] {
  const lines: InvoiceLineInput[] = [];
  for (const entry of unbilled) {
    const { requests, cents } = invoiceableUsage(entry.requests);
    if (cents === 0) continue;
    lines.push({
      serviceType: entry.service,
      itemType: "usage",
      description: `${serviceDefinition(entry.service).name} usage: ${requests.toLocaleString("en-US")} successful requests ${until}, ${formatCents(USAGE_PRICE.cents)} per ${USAGE_PRICE.perRequests.toLocaleString("en-US")}`,
      quantity: requests,
      // Usage lines are priced per 10,000: quantity × unit / 10,000 = amount.
      unitPriceCents: USAGE_PRICE.cents,
      amountCents: cents,
    });
  }
  return lines;
}

/** Cancellations whose month has ended take effect. */
export async function applyDueCancellations(db: Queryable, now: Date, customerId?: number) {
  const cancelled = await db
    .update(serviceInstances)
    .set({ state: "cancelled", cancelledAt: sql`${serviceInstances.cancelEffectiveAt}`, updatedAt: now })
    .where(
      and(
        eq(serviceInstances.state, "cancel_scheduled"),
        lte(serviceInstances.cancelEffectiveAt, now),
        ...(customerId ? [eq(serviceInstances.customerId, customerId)] : []),
      ),
    )
    .returning({ customerId: serviceInstances.customerId, serviceType: serviceInstances.serviceType });
  for (const row of cancelled) {
    await recordActivity(db, {
      customerId: row.customerId,
      kind: "service",
      action: "service.cancelled",
      summary: `${serviceDefinition(row.serviceType).name} stopped (cancelled); its configuration and keys are deleted in ${PURGE_AFTER_DAYS} days`,
      at: now,
    });
  }
  return cancelled.length;
}

/** Scheduled downgrades and burst-off take effect at a month's start. */
async function applyScheduledChanges(db: Queryable, customerId: number, at: Date) {
  const services = await db
    .select()
    .from(serviceInstances)
    .where(and(eq(serviceInstances.customerId, customerId), eq(serviceInstances.state, "active")));
  for (const service of services) {
    const scheduled = scheduledChangesOf(service);
    if (!scheduled.tier && scheduled.burstEnabled === undefined) continue;
    const tier = scheduled.tier ?? service.tier;
    const keepsAllowlist = tierDefinition(tier).ipAllowlist;
    await db
      .update(serviceInstances)
      .set({
        tier,
        burstEnabled: (scheduled.burstEnabled ?? service.burstEnabled) && tierDefinition(tier).burst !== null,
        scheduledChanges: null,
        ...(keepsAllowlist ? {} : { ipAllowlist: [] }),
        updatedAt: at,
      })
      .where(eq(serviceInstances.id, service.id));
    await recordActivity(db, {
      customerId,
      kind: "service",
      action: "service.plan_applied",
      summary: `Scheduled change applied: ${serviceDefinition(service.serviceType).name} is now ${tierDefinition(tier).name}${
        scheduled.burstEnabled === false ? " without burst" : ""
      }${!keepsAllowlist && service.ipAllowlist.length ? " (IP allowlist removed: Pro and above only)" : ""}`,
      at,
    });
  }
}

/**
 * Open `month` for a customer: effective cancellations and scheduled changes first, then one
 * invoice (`month:YYYY-MM`) with the remaining usage before the month and the month's fees.
 * Idempotent: re-running finds the same invoice.
 */
export async function openMonth(
  deps: RecurringDeps,
  customerId: number,
  month: Date,
): Promise<ChargeResult | null> {
  const start = monthStart(month);
  const key = monthKey(start);
  return withCustomerLock(deps.database, customerId, async () => {
    await deps.db.transaction(async (tx) => {
      await applyDueCancellations(tx, start, customerId);
      await applyScheduledChanges(tx, customerId, start);
    });
    const services = await deps.db
      .select()
      .from(serviceInstances)
      .where(and(eq(serviceInstances.customerId, customerId), eq(serviceInstances.state, "active")));
    const lines: InvoiceLineInput[] = usageLines(
      await unbilledUsage(deps.db, { customerId, before: start }),
      `to ${monthName(new Date(start.getTime() - DAY_MS))}`,
    );
    for (const service of services) {
      if (service.paidMonth && service.paidMonth >= key) continue; // enabled this month: already paid
      if (tierDefinition(service.tier).monthlyFeeCents === null) continue; // Enterprise: by contract
      const inventory = await serviceInventory(deps.db, service.id);
      for (const fee of serviceFeeLines(service.serviceType, pricingConfig(service, inventory))) {
        lines.push({ ...fee, description: `${fee.description} — ${monthName(start)}` });
      }
    }
    let result: ChargeResult | null = null;
    if (lines.length > 0) {
      result = await charge(deps, {
        customerId,
        kind: "subscription",
        idempotencyKey: `month:${key}`,
        lines,
        periodStart: start,
        periodEnd: nextMonthStart(start),
        description: `${monthName(start)} fees and usage`,
        retryOnFailure: true,
      });
    }
    await deps.db
      .update(customers)
      .set({ billingMonth: key })
      .where(
        and(
          eq(customers.customerId, customerId),
          sql`(${customers.billingMonth} is null or ${customers.billingMonth} < ${key})`,
        ),
      );
    return result;
  });
}

/** Invoice unbilled usage once it is worth at least $5 (spec §3 billing rule 3). */
export async function invoiceUsageIfDue(
  deps: RecurringDeps,
  customerId: number,
  now: Date,
): Promise<ChargeResult | null> {
  return withCustomerLock(deps.database, customerId, async () => {
    const unbilled = await unbilledUsage(deps.db, { customerId });
    const cents = unbilled.reduce((sum, entry) => sum + invoiceableUsage(entry.requests).cents, 0);
    if (cents < USAGE_INVOICE_THRESHOLD_CENTS) return null;
    // The key is what was invoiced before this invoice: a retry after a crash finds the same one.
    const [billed] = await queryRows<{ requests: string }>(
      deps.db,
      sql`select coalesce(sum(li.quantity), 0) as requests from billing_line_items li
            join billing_records r on r.id = li.invoice_id
           where r.customer_id = ${customerId} and li.item_type = 'usage' and r.status <> 'voided'`,
    );
    return charge(deps, {
      customerId,
      kind: "usage",
      idempotencyKey: `usage:${billed?.requests ?? 0}`,
      lines: usageLines(
        unbilled,
        `to ${new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" }).format(now)}`,
      ),
      periodStart: monthStart(now),
      periodEnd: now,
      description: "usage",
      retryOnFailure: true,
    });
  });
}

/** Suspend after 7 days unpaid; restore once nothing is failed any more. */
export async function updateStanding(
  deps: RecurringDeps,
  customerId: number,
  now: Date,
): Promise<"suspended" | "restored" | null> {
  return withCustomerLock(deps.database, customerId, async () => {
    const [customer] = await deps.db.select().from(customers).where(eq(customers.customerId, customerId));
    if (!customer) return null;
    const [due] = await queryRows<{ cents: string; n: number }>(
      deps.db,
      sql`select coalesce(sum(amount_cents), 0) as cents, count(*)::int as n from billing_records
           where customer_id = ${customerId} and status = 'failed'`,
    );
    const failed = due?.n ?? 0;
    if (
      customer.status === "active" &&
      failed > 0 &&
      customer.paymentOverdueSince &&
      now.getTime() - customer.paymentOverdueSince.getTime() >= SUSPEND_AFTER_DAYS * DAY_MS
    ) {
      await deps.db.transaction(async (tx) => {
        await tx
          .update(customers)
          .set({ status: "suspended", suspendedAt: now, updatedAt: now })
          .where(eq(customers.customerId, customerId));
        await recordActivity(tx, {
          customerId,
          kind: "account",
          action: "account.suspended",
          summary: `Services suspended: ${formatCents(Number(due?.cents ?? 0))} unpaid for ${SUSPEND_AFTER_DAYS} days`,
          at: now,
        });
      });
      return "suspended";
    }
    if (customer.status === "suspended" && failed === 0) {
      await deps.db.transaction(async (tx) => {
        await tx
          .update(customers)
          .set({ status: "active", suspendedAt: null, updatedAt: now })
          .where(eq(customers.customerId, customerId));
        await recordActivity(tx, {
          customerId,
          kind: "account",
          action: "account.restored",
          summary: "Everything is paid: services restored",
          at: now,
        });
      });
      return "restored";
    }
    return null;
  });
}

/** Delete the configuration and keys of services cancelled more than 7 days ago. */
export async function purgeCancelledServices(db: Queryable, now: Date): Promise<number> {
  const purged = await db
    .delete(serviceInstances)
    .where(
      and(
        eq(serviceInstances.state, "cancelled"),
        lt(serviceInstances.cancelledAt, new Date(now.getTime() - PURGE_AFTER_DAYS * DAY_MS)),
      ),
    )
    .returning({ customerId: serviceInstances.customerId, serviceType: serviceInstances.serviceType });
  for (const row of purged) {
    await recordActivity(db, {
      customerId: row.customerId,
      kind: "service",
      action: "service.purged",
      summary: `Deleted the configuration and keys of cancelled ${serviceDefinition(row.serviceType).name}`,
      at: now,
    });
  }
  return purged.length;
}

/** Customers whose months must be opened, and the months: every month after the last opened one. */
export async function customersWithMonthsToOpen(
  db: Queryable,
  now: Date,
): Promise<{ customerId: number; months: Date[] }[]> {
  const current = monthKey(now);
  // A customer whose first month was never recorded starts from the month their services were paid for.
  await db.execute(sql`
    update customers c set billing_month = s.first_month
      from (select customer_id, min(paid_month) as first_month from service_instances
             where paid_month is not null group by customer_id) s
     where c.customer_id = s.customer_id and c.billing_month is null`);
  const rows = await db
    .select({ customerId: customers.customerId, billingMonth: customers.billingMonth })
    .from(customers)
    .where(and(sql`${customers.billingMonth} is not null`, lt(customers.billingMonth, current)));
  return rows.map((row) => {
    const months: Date[] = [];
    for (
      let month = nextMonthStart(monthFromKey(row.billingMonth ?? current));
      monthKey(month) <= current;
      month = nextMonthStart(month)
    ) {
      months.push(month);
    }
    return { customerId: row.customerId, months };
  });
}

/**
 * Customers whose unbilled usage may be worth the invoicing threshold. Only this month's rollups
 * are read (earlier usage was invoiced when its month closed, up to a carried remainder under a
 * cent per service, allowed for here), so the cost does not grow with the history kept;
 * invoiceUsageIfDue() makes the exact decision.
 */
export async function customersWithUsageDue(db: Queryable, now: Date): Promise<number[]> {
  const start = monthStart(now);
  const rows = await queryRows<{ customer_id: number }>(
    db,
    sql`with metered as (
          select customer_id, service, sum(billable) as requests from usage_hourly
           where hour >= ${start} group by 1, 2
        ), billed as (
          select r.customer_id, li.service_type as service, sum(li.quantity) as requests
            from billing_records r join billing_line_items li on li.invoice_id = r.id
           where r.kind = 'usage' and r.status <> 'voided' and r.created_at >= ${start}
             and li.item_type = 'usage'
           group by 1, 2
        )
        select m.customer_id from metered m
          left join billed b on b.customer_id = m.customer_id and b.service = m.service
         group by m.customer_id
        having sum(greatest(floor((m.requests - coalesce(b.requests, 0) + ${REQUESTS_PER_CENT}) / ${REQUESTS_PER_CENT}), 0))
               >= ${USAGE_INVOICE_THRESHOLD_CENTS}`,
  );
  return rows.map((row) => Number(row.customer_id));
}

export async function customersToReview(db: Queryable): Promise<number[]> {
  const rows = await queryRows<{ customer_id: number }>(
    db,
    sql`select customer_id from customers where status = 'suspended'
        union select distinct customer_id from billing_records where status = 'failed'`,
  );
  return rows.map((row) => Number(row.customer_id));
}
