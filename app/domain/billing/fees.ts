// What a customer's configured services cost per month, from the database state and the catalog.
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Queryable } from "#db/client.ts";
import { apiKeys, sealKeys, sealPackages, serviceInstances } from "#db/schema/index.ts";
import { tierDefinition } from "../catalog.ts";
import { type FeeLine, serviceFeeLines } from "../pricing.ts";

/**
 * Monthly fee lines of the services that will be billed on the 1st: enabled or paused services
 * (the fee continues while paused), not those cancelled or stopping at month end.
 */
export async function upcomingMonthlyFees(db: Queryable, customerId: number): Promise<FeeLine[]> {
  const services = await db
    .select()
    .from(serviceInstances)
    .where(
      and(
        eq(serviceInstances.customerId, customerId),
        inArray(serviceInstances.state, ["enabled", "disabled"]),
      ),
    );
  const lines: FeeLine[] = [];
  for (const service of services) {
    if (tierDefinition(service.tier).monthlyFeeCents === null) continue; // Enterprise: by contract
    const [keys] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(apiKeys)
      .where(
        and(eq(apiKeys.serviceInstanceId, service.id), isNull(apiKeys.revokedAt), isNull(apiKeys.deletedAt)),
      );
    const packages = await db
      .select({ keyId: sealKeys.id, n: sql<number>`count(${sealPackages.id})::int` })
      .from(sealKeys)
      .leftJoin(sealPackages, eq(sealPackages.sealKeyId, sealKeys.id))
      .where(and(eq(sealKeys.serviceInstanceId, service.id), isNull(sealKeys.revokedAt)))
      .groupBy(sealKeys.id);
    const scheduled = (service.scheduledChanges ?? {}) as {
      tier?: typeof service.tier;
      burstEnabled?: boolean;
    };
    lines.push(
      ...serviceFeeLines(service.serviceType, {
        tier: scheduled.tier ?? service.tier,
        burstEnabled: scheduled.burstEnabled ?? service.burstEnabled,
        apiKeys: keys?.n ?? 0,
        sealKeys: packages.length,
        packagesPerKey: packages.map((row) => row.n),
      }),
    );
  }
  return lines;
}
