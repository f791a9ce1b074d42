// What a customer's configured services will cost on the 1st, from the database and the catalog.
import { and, eq } from "drizzle-orm";
import type { Queryable } from "#db/client.ts";
import { serviceInstances } from "#db/schema/index.ts";
import { tierDefinition } from "../catalog.ts";
import { type FeeLine, serviceFeeLines } from "../pricing.ts";
import {
  type InventoryCounts,
  inventoryCounts,
  pricingConfig,
  type ServiceRow,
  scheduledChangesOf,
  serviceInventory,
} from "../services.ts";

/**
 * Monthly fee lines of the services that will be billed on the 1st: active services, on or off
 * (the fee continues while paused), with their scheduled downgrades applied; not those cancelled
 * or stopping at month end.
 */
export async function upcomingMonthlyFees(db: Queryable, customerId: number): Promise<FeeLine[]> {
  const services = await db
    .select()
    .from(serviceInstances)
    .where(and(eq(serviceInstances.customerId, customerId), eq(serviceInstances.state, "active")));
  const inventories = new Map<number, InventoryCounts>();
  for (const service of services) {
    if (tierDefinition(service.tier).monthlyFeeCents === null) continue;
    inventories.set(service.id, inventoryCounts(await serviceInventory(db, service.id)));
  }
  return monthlyFeeLines(services, (serviceId) => inventories.get(serviceId));
}

/**
 * The same lines from rows already read (the customer snapshot): `services` may hold every state,
 * only active ones count; `inventoryOf` gives what each service's configuration holds.
 */
export function monthlyFeeLines(
  services: readonly ServiceRow[],
  inventoryOf: (serviceInstanceId: number) => InventoryCounts | undefined,
): FeeLine[] {
  const lines: FeeLine[] = [];
  for (const service of services) {
    if (service.state !== "active") continue;
    if (tierDefinition(service.tier).monthlyFeeCents === null) continue; // Enterprise: by contract
    const scheduled = scheduledChangesOf(service);
    const inventory = inventoryOf(service.id) ?? { apiKeys: 0, sealKeys: 0, packagesPerKey: [] };
    lines.push(
      ...serviceFeeLines(
        service.serviceType,
        pricingConfig(
          {
            tier: scheduled.tier ?? service.tier,
            burstEnabled: scheduled.burstEnabled ?? service.burstEnabled,
          },
          inventory,
        ),
      ),
    );
  }
  return lines;
}
