// The database side of usage statistics (the pure folding lives in usage-stats.ts, which the
// Stats tab's component also imports): hourly rollups of a range, this month's usage per
// service, and the version that usage caches key on.
import { and, asc, eq, gte, lt, sql } from "drizzle-orm";
import { type Queryable, queryRows } from "#db/client.ts";
import { usageHourly } from "#db/schema/index.ts";
import { monthStart, nextMonthStart } from "./billing/calendar.ts";
import type { ServiceType } from "./catalog.ts";
import { usageValueCents } from "./usage.ts";
import {
  foldUsage,
  type HourlyUsageRow,
  rangeWindow,
  type ServiceStats,
  type StatsRange,
} from "./usage-stats.ts";

/** The hourly rollups of one customer's service inside a range (at most 720 rows, by primary key). */
export async function hourlyUsage(
  db: Queryable,
  customerId: number,
  service: ServiceType,
  from: Date,
  to: Date,
): Promise<HourlyUsageRow[]> {
  return hourlyUsageQuery(db, customerId, service, from, to);
}

/** The statement of hourlyUsage (exposed so its plan can be checked: bench/plans.ts). */
export function hourlyUsageQuery(
  db: Queryable,
  customerId: number,
  service: ServiceType,
  from: Date,
  to: Date,
) {
  return db
    .select({
      hour: usageHourly.hour,
      requests: usageHourly.requests,
      billable: usageHourly.billable,
      clientErrors: usageHourly.clientErrors,
      serverErrors: usageHourly.serverErrors,
      denied: usageHourly.denied,
      rateLimited: usageHourly.rateLimited,
      ipBlocked: usageHourly.ipBlocked,
      unauthorized: usageHourly.unauthorized,
      bytesIn: usageHourly.bytesIn,
      bytesOut: usageHourly.bytesOut,
      latencyHistogram: usageHourly.latencyHistogram,
    })
    .from(usageHourly)
    .where(
      and(
        eq(usageHourly.customerId, customerId),
        eq(usageHourly.service, service),
        gte(usageHourly.hour, from),
        lt(usageHourly.hour, to),
      ),
    )
    .orderBy(asc(usageHourly.hour));
}

export async function serviceStats(
  db: Queryable,
  customerId: number,
  service: ServiceType,
  range: StatsRange,
  now: Date,
): Promise<ServiceStats> {
  const { from, to } = rangeWindow(range, now);
  return foldUsage(await hourlyUsage(db, customerId, service, from, to), range, now);
}

export interface ServiceMonthUsage {
  service: ServiceType;
  requests: number;
  /** Successful requests: the billable ones. */
  billable: number;
  /** Errors and denied requests: free. */
  free: number;
  /** What the billable requests are worth, exact to the request, in whole cents (rounded down). */
  valueCents: number;
}

/** Requests per service in the UTC month of `now` (the billing page's usage table). */
export async function monthUsageByService(
  db: Queryable,
  customerId: number,
  now: Date,
): Promise<ServiceMonthUsage[]> {
  const rows = await db
    .select({
      service: usageHourly.service,
      requests: sql<string>`sum(${usageHourly.requests})`,
      billable: sql<string>`sum(${usageHourly.billable})`,
    })
    .from(usageHourly)
    .where(
      and(
        eq(usageHourly.customerId, customerId),
        gte(usageHourly.hour, monthStart(now)),
        lt(usageHourly.hour, nextMonthStart(now)),
      ),
    )
    .groupBy(usageHourly.service)
    .orderBy(usageHourly.service);
  return rows.map((row) => {
    const requests = Number(row.requests);
    const billable = Number(row.billable);
    return {
      service: row.service as ServiceType,
      requests,
      billable,
      free: requests - billable,
      valueCents: usageValueCents(billable),
    };
  });
}

/**
 * Names the current state of the usage rollups: the newest metered ingest batch. Caches of usage
 * aggregates key on it, so they turn over as soon as the meter folds new logs.
 */
export async function usageDataVersion(db: Queryable): Promise<string> {
  const [row] = await queryRows<{ id: string | null }>(
    db,
    sql`select max(id)::text as id from ingest_batches where metered_at is not null`,
  );
  return row?.id ?? "0";
}
