// A customer's configured services as the dashboard and billing see them: state, keys, and what
// the configuration costs (spec §3 Services and tiers, Keys).
import { and, asc, eq, isNull } from "drizzle-orm";
import type { Queryable } from "#db/client.ts";
import { apiKeys, sealKeys, sealPackages, serviceInstances } from "#db/schema/index.ts";
import { SELF_SERVICE_TIERS, type SelfServiceTier, type ServiceType } from "./catalog.ts";
import { type ServiceConfigForPricing, serviceFeeLines, sumLines } from "./pricing.ts";

export type ServiceRow = typeof serviceInstances.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type SealKeyRow = typeof sealKeys.$inferSelect;
export type PackageRow = typeof sealPackages.$inferSelect;

export type DisplayState = "not_configured" | "enabled" | "disabled" | "cancel_scheduled" | "cancelled";

/** The state shown to people (spec §3): not configured → enabled ⇄ disabled → cancel scheduled → cancelled. */
export function displayState(
  service: Pick<ServiceRow, "state" | "enabled"> | null | undefined,
): DisplayState {
  if (!service) return "not_configured";
  if (service.state === "cancelled") return "cancelled";
  if (service.state === "cancel_scheduled") return "cancel_scheduled";
  return service.enabled ? "enabled" : "disabled";
}

export type { SelfServiceTier };

export interface ScheduledChanges {
  tier?: SelfServiceTier;
  burstEnabled?: boolean;
}

export function scheduledChangesOf(service: Pick<ServiceRow, "scheduledChanges">): ScheduledChanges {
  const raw = (service.scheduledChanges ?? {}) as ScheduledChanges;
  const result: ScheduledChanges = {};
  if (raw.tier && (SELF_SERVICE_TIERS as readonly string[]).includes(raw.tier)) result.tier = raw.tier;
  if (typeof raw.burstEnabled === "boolean") result.burstEnabled = raw.burstEnabled;
  return result;
}

export async function findService(db: Queryable, customerId: number, serviceType: ServiceType) {
  const [row] = await db
    .select()
    .from(serviceInstances)
    .where(and(eq(serviceInstances.customerId, customerId), eq(serviceInstances.serviceType, serviceType)));
  return row ?? null;
}

export async function listServices(db: Queryable, customerId: number): Promise<ServiceRow[]> {
  return db.select().from(serviceInstances).where(eq(serviceInstances.customerId, customerId));
}

export interface SealKeyWithPackages extends SealKeyRow {
  packages: PackageRow[];
}

export interface ServiceInventory {
  /** Keys not deleted: active and revoked. */
  apiKeys: ApiKeyRow[];
  sealKeys: SealKeyWithPackages[];
}

export async function serviceInventory(db: Queryable, serviceInstanceId: number): Promise<ServiceInventory> {
  const keys = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.serviceInstanceId, serviceInstanceId), isNull(apiKeys.deletedAt)))
    .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
  const seals = await db
    .select()
    .from(sealKeys)
    .where(eq(sealKeys.serviceInstanceId, serviceInstanceId))
    .orderBy(asc(sealKeys.derivationIndex));
  const packages = seals.length
    ? await db
        .select()
        .from(sealPackages)
        .innerJoin(sealKeys, eq(sealKeys.id, sealPackages.sealKeyId))
        .where(eq(sealKeys.serviceInstanceId, serviceInstanceId))
        .orderBy(asc(sealPackages.createdAt), asc(sealPackages.id))
    : [];
  return {
    apiKeys: keys,
    sealKeys: seals.map((key) => ({
      ...key,
      packages: packages
        .filter((row) => row.seal_packages.sealKeyId === key.id)
        .map((row) => row.seal_packages),
    })),
  };
}

export function activeApiKeys(inventory: ServiceInventory): ApiKeyRow[] {
  return inventory.apiKeys.filter((key) => !key.revokedAt);
}

export function liveSealKeys(inventory: ServiceInventory): SealKeyWithPackages[] {
  return inventory.sealKeys.filter((key) => key.state !== "revoked");
}

/** What pricing counts in a service's configuration: active API keys, live Seal keys and their packages. */
export interface InventoryCounts {
  apiKeys: number;
  sealKeys: number;
  /** Packages on each live Seal key. */
  packagesPerKey: number[];
}

export function inventoryCounts(inventory: ServiceInventory): InventoryCounts {
  const live = liveSealKeys(inventory);
  return {
    apiKeys: activeApiKeys(inventory).length,
    sealKeys: live.length,
    packagesPerKey: live.map((key) => key.packages.length),
  };
}

/** What the service costs now, by what exists: active API keys, live Seal keys and their packages. */
export function pricingConfig(
  service: Pick<ServiceRow, "tier" | "burstEnabled">,
  inventory: ServiceInventory | InventoryCounts,
  overrides: Partial<ServiceConfigForPricing> = {},
): ServiceConfigForPricing {
  const counts = "packagesPerKey" in inventory ? inventory : inventoryCounts(inventory);
  return {
    tier: service.tier,
    burstEnabled: service.burstEnabled,
    apiKeys: counts.apiKeys,
    sealKeys: counts.sealKeys,
    packagesPerKey: counts.packagesPerKey,
    ...overrides,
  };
}

export function monthlyFeeCents(serviceType: ServiceType, config: ServiceConfigForPricing): number {
  return sumLines(serviceFeeLines(serviceType, config));
}
