// Monthly fees of a configured service, line by line, from the catalog (spec §3).
import { prorate } from "./billing/calendar.ts";
import { ADD_ONS, type ServiceType, serviceDefinition, type TierId, tierDefinition } from "./catalog.ts";

export interface ServiceConfigForPricing {
  tier: TierId;
  burstEnabled: boolean;
  /** Active (not revoked) API keys. */
  apiKeys: number;
  /** Seal keys that are not revoked (Seal only). */
  sealKeys: number;
  /** Packages on each of those Seal keys. */
  packagesPerKey: readonly number[];
}

export type FeeItemType = "tier" | "burst" | "api_key" | "seal_key" | "package";

export interface FeeLine {
  serviceType: ServiceType;
  itemType: FeeItemType;
  description: string;
  quantity: number;
  unitPriceCents: number;
  amountCents: number;
}

function line(
  serviceType: ServiceType,
  itemType: FeeItemType,
  description: string,
  quantity: number,
  unitPriceCents: number,
): FeeLine {
  return {
    serviceType,
    itemType,
    description,
    quantity,
    unitPriceCents,
    amountCents: quantity * unitPriceCents,
  };
}

/** The monthly fee lines of one service; only lines with a non-zero amount are listed. */
export function serviceFeeLines(serviceType: ServiceType, config: ServiceConfigForPricing): FeeLine[] {
  const service = serviceDefinition(serviceType);
  const tier = tierDefinition(config.tier);
  if (tier.monthlyFeeCents === null) {
    throw new RangeError(`${tier.name} is priced by contract, not self-service`);
  }
  const lines = [line(serviceType, "tier", `${service.name} ${tier.name} plan`, 1, tier.monthlyFeeCents)];
  if (config.burstEnabled && tier.burst) {
    lines.push(line(serviceType, "burst", `${service.name} burst add-on`, 1, ADD_ONS.burstFeeCents));
  }
  const extraApiKeys = Math.max(0, config.apiKeys - ADD_ONS.apiKeys.included);
  if (extraApiKeys > 0) {
    lines.push(
      line(serviceType, "api_key", "Additional API keys", extraApiKeys, ADD_ONS.apiKeys.extraFeeCents),
    );
  }
  if (service.hasSealKeys) {
    const extraSealKeys = Math.max(0, config.sealKeys - ADD_ONS.sealKeys.included);
    if (extraSealKeys > 0) {
      lines.push(
        line(serviceType, "seal_key", "Additional Seal keys", extraSealKeys, ADD_ONS.sealKeys.extraFeeCents),
      );
    }
    const extraPackages = config.packagesPerKey.reduce(
      (sum, count) => sum + Math.max(0, count - ADD_ONS.packages.includedPerKey),
      0,
    );
    if (extraPackages > 0) {
      lines.push(
        line(serviceType, "package", "Additional packages", extraPackages, ADD_ONS.packages.extraFeeCents),
      );
    }
  }
  return lines;
}

export function sumLines(lines: readonly { amountCents: number }[]): number {
  return lines.reduce((sum, item) => sum + item.amountCents, 0);
}

export interface FeeEstimate {
  lines: FeeLine[];
  monthlyCents: number;
  /** What enabling now charges: the monthly fee pro-rated for the rest of the month. */
  dueTodayCents: number;
}

/** The live total of the onboarding form (browser) and the "Recalculate" answer (server). */
export function estimateFees(
  serviceType: ServiceType,
  config: ServiceConfigForPricing,
  today: Date,
): FeeEstimate {
  const lines = serviceFeeLines(serviceType, config);
  const monthlyCents = sumLines(lines);
  return { lines, monthlyCents, dueTodayCents: prorate(monthlyCents, today) };
}
