// The dashboard's per-service summary (spec §4): state, last 24 hours of requests, this month's cost.
import { and, eq, gte, sql } from "drizzle-orm";
import type { Queryable } from "#db/client.ts";
import { usageHourly } from "#db/schema/index.ts";
import { monthStart } from "./billing/calendar.ts";
import { chargesByServiceSince } from "./billing/overview.ts";
import { SERVICES, type ServiceType } from "./catalog.ts";
import { type DisplayState, displayState, listServices } from "./services.ts";

export interface ServiceSummary {
  type: ServiceType;
  name: string;
  description: string;
  available: boolean;
  state: DisplayState;
  tier: string | null;
  requests24h: number;
  successRate24h: number | null;
  monthCostCents: number;
}

export async function serviceStates(
  db: Queryable,
  customerId: number,
): Promise<Map<ServiceType, DisplayState>> {
  const rows = await listServices(db, customerId);
  return new Map(rows.map((row) => [row.serviceType, displayState(row)]));
}

export async function dashboardSummary(
  db: Queryable,
  customerId: number,
  now: Date,
): Promise<ServiceSummary[]> {
  const rows = await listServices(db, customerId);
  const since = new Date(now.getTime() - 24 * 3_600_000);
  const usage = await db
    .select({
      service: usageHourly.service,
      requests: sql<string>`sum(${usageHourly.requests})`,
      ok: sql<string>`sum(${usageHourly.billable})`,
    })
    .from(usageHourly)
    .where(and(eq(usageHourly.customerId, customerId), gte(usageHourly.hour, since)))
    .groupBy(usageHourly.service);
  const costs = await chargesByServiceSince(db, customerId, monthStart(now));
  return SERVICES.map((definition) => {
    const row = rows.find((candidate) => candidate.serviceType === definition.type);
    const used = usage.find((candidate) => candidate.service === definition.type);
    const requests = Number(used?.requests ?? 0);
    return {
      type: definition.type,
      name: definition.name,
      description: definition.description,
      available: definition.available,
      state: displayState(row),
      tier: row?.tier ?? null,
      requests24h: requests,
      successRate24h: requests > 0 ? Number(used?.ok ?? 0) / requests : null,
      monthCostCents: Number(
        costs.find((candidate) => candidate.serviceType === definition.type)?.cents ?? 0,
      ),
    };
  });
}
