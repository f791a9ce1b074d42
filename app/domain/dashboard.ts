// The dashboard's answer to "is it working and what does it cost" (spec §4): per service its
// state, the last 24 hours of requests and success rate, this month's cost, and what needs the
// customer's attention.
import { and, eq, gte, sql } from "drizzle-orm";
import type { Queryable } from "#db/client.ts";
import { usageHourly } from "#db/schema/index.ts";
import { unbilledUsage } from "./billing/subscriptions.ts";
import { SERVICES, type ServiceType, serviceDefinition } from "./catalog.ts";
import { type CustomerSnapshot, snapshotInventory } from "./customer-snapshot.ts";
import { type DisplayState, displayState } from "./services.ts";
import { usageValueCents } from "./usage.ts";

/** Server errors above this share of the last 24 hours' requests raise a dashboard warning. */
export const SERVER_ERROR_WARNING_RATIO = 0.05;

export interface ServiceSummary {
  type: ServiceType;
  name: string;
  description: string;
  available: boolean;
  state: DisplayState;
  tier: string | null;
  requests24h: number;
  successRate24h: number | null;
  /** Charged this month plus usage metered but not yet invoiced. */
  monthCostCents: number;
  pendingUsageCents: number;
}

export interface DashboardWarning {
  service: ServiceType;
  message: string;
  /** Where to look or fix it, and the link's words. */
  href: string;
  action: string;
}

/** Manager-written usage the dashboard needs: cacheable for a short while (see cache.server.ts). */
export interface DashboardUsage {
  last24h: { service: string; requests: number; ok: number; serverErrors: number }[];
  unbilled: { service: ServiceType; requests: number }[];
}

/** Each configured service's state as people see it (the sidebar's dots). */
export function serviceStates(snapshot: CustomerSnapshot): Map<ServiceType, DisplayState> {
  return new Map(snapshot.services.map((row) => [row.serviceType, displayState(row)]));
}

/** The dashboard's requests per service over the last 24 hours (exposed for bench/plans.ts). */
export function last24hUsageQuery(db: Queryable, customerId: number, now: Date) {
  const since = new Date(now.getTime() - 24 * 3_600_000);
  return db
    .select({
      service: usageHourly.service,
      requests: sql<string>`sum(${usageHourly.requests})`,
      ok: sql<string>`sum(${usageHourly.billable})`,
      serverErrors: sql<string>`sum(${usageHourly.serverErrors})`,
    })
    .from(usageHourly)
    .where(and(eq(usageHourly.customerId, customerId), gte(usageHourly.hour, since)))
    .groupBy(usageHourly.service);
}

export async function dashboardUsage(db: Queryable, customerId: number, now: Date): Promise<DashboardUsage> {
  const rows = await last24hUsageQuery(db, customerId, now);
  return {
    last24h: rows.map((row) => ({
      service: row.service,
      requests: Number(row.requests),
      ok: Number(row.ok),
      serverErrors: Number(row.serverErrors),
    })),
    unbilled: (await unbilledUsage(db, { customerId })).map(({ service, requests }) => ({
      service,
      requests,
    })),
  };
}

export function dashboardSummary(
  snapshot: CustomerSnapshot,
  /** Paid charges since the month start, by service (monthCharges). */
  costs: readonly { serviceType: string | null; cents: number }[],
  usage: DashboardUsage,
): { services: ServiceSummary[]; warnings: DashboardWarning[] } {
  const rows = snapshot.services;
  const warnings: DashboardWarning[] = [];
  const services = SERVICES.map((definition) => {
    const row = rows.find((candidate) => candidate.serviceType === definition.type);
    const state = displayState(row);
    const used = usage.last24h.find((candidate) => candidate.service === definition.type);
    const requests = used?.requests ?? 0;
    const pending = usageValueCents(
      usage.unbilled.find((candidate) => candidate.service === definition.type)?.requests ?? 0,
    );
    const charged = costs.find((candidate) => candidate.serviceType === definition.type)?.cents ?? 0;

    const href = `/services/${definition.type}`;
    // Keys of a configured service that is not cancelled: active API keys, Seal keys not revoked.
    const inventory = row && row.state !== "cancelled" ? snapshotInventory(snapshot, row.id) : undefined;
    if (state === "disabled") {
      warnings.push({
        service: definition.type,
        message: `${definition.name} is off: requests are refused.`,
        href,
        action: "Turn it on",
      });
    }
    if (state === "cancel_scheduled") {
      warnings.push({
        service: definition.type,
        message: `${definition.name} is scheduled to stop at the end of the month.`,
        href,
        action: "Keep it",
      });
    }
    if (inventory && state !== "cancelled") {
      if (inventory.apiKeys === 0) {
        warnings.push({
          service: definition.type,
          message: `${definition.name} has no active API key, so no request can reach it.`,
          href: `${href}/keys`,
          action: "Create one",
        });
      }
      if (serviceDefinition(definition.type).hasSealKeys && inventory.sealKeys === 0) {
        warnings.push({
          service: definition.type,
          message: `${definition.name} has no Seal key yet.`,
          href: `${href}/keys`,
          action: "Create one",
        });
      }
    }
    if (used && requests > 0 && used.serverErrors / requests > SERVER_ERROR_WARNING_RATIO) {
      warnings.push({
        service: definition.type,
        message: `${((used.serverErrors / requests) * 100).toFixed(1)}% of ${definition.name} requests failed with server errors in the last 24 hours.`,
        href: `${href}/logs?status=5xx`,
        action: "See the failed requests",
      });
    }
    return {
      type: definition.type,
      name: definition.name,
      description: definition.description,
      available: definition.available,
      state,
      tier: row?.tier ?? null,
      requests24h: requests,
      successRate24h: requests > 0 ? (used?.ok ?? 0) / requests : null,
      monthCostCents: charged + pending,
      pendingUsageCents: pending,
    };
  });
  return { services, warnings };
}
