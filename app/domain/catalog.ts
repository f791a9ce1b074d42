// The product catalog (spec §3 "Services and tiers"): the only place these numbers live.
// UI, billing, the vault and tests all read them from here.
import type { ServiceType } from "#db/schema/values.ts";

export type { ServiceType };

export interface ServiceDefinition {
  type: ServiceType;
  name: string;
  /** First character of every API key for this service. */
  keyLetter: "S" | "R" | "G";
  description: string;
  /** Self-service configurable today; GraphQL is announced as "coming soon". */
  available: boolean;
  /** Seal keys and packages exist only for Seal. */
  hasSealKeys: boolean;
}

export const SERVICES: readonly ServiceDefinition[] = [
  {
    type: "seal",
    name: "Seal",
    keyLetter: "S",
    description: "Threshold-encryption key servers in permissioned mode.",
    available: true,
    hasSealKeys: true,
  },
  {
    type: "grpc",
    name: "gRPC",
    keyLetter: "R",
    description: "Sui full-node gRPC endpoints.",
    available: true,
    hasSealKeys: false,
  },
  {
    type: "graphql",
    name: "GraphQL",
    keyLetter: "G",
    description: "Sui GraphQL endpoints.",
    available: false,
    hasSealKeys: false,
  },
];

export function serviceDefinition(type: ServiceType): ServiceDefinition {
  const found = SERVICES.find((service) => service.type === type);
  if (!found) throw new Error(`Unknown service type: ${type}`);
  return found;
}

export type TierId = "starter" | "pro" | "business" | "enterprise";

export interface TierDefinition {
  id: TierId;
  name: string;
  /** Guaranteed requests per second, per region; null = custom (Enterprise). */
  guaranteedRps: number | null;
  /** Burst add-on: multiplier of the guaranteed rate and how long it may last. */
  burst: { multiplier: number; seconds: number } | null;
  /** Monthly fee in cents; null = "Contact us". */
  monthlyFeeCents: number | null;
  selfService: boolean;
  /** IP allowlist is available from Pro up. */
  ipAllowlist: boolean;
}

export const TIERS: readonly TierDefinition[] = [
  {
    id: "starter",
    name: "Starter",
    guaranteedRps: 100,
    burst: null,
    monthlyFeeCents: 2_000,
    selfService: true,
    ipAllowlist: false,
  },
  {
    id: "pro",
    name: "Pro",
    guaranteedRps: 500,
    burst: { multiplier: 2, seconds: 10 },
    monthlyFeeCents: 4_000,
    selfService: true,
    ipAllowlist: true,
  },
  {
    id: "business",
    name: "Business",
    guaranteedRps: 2_000,
    burst: { multiplier: 1.5, seconds: 30 },
    monthlyFeeCents: 8_000,
    selfService: true,
    ipAllowlist: true,
  },
  {
    id: "enterprise",
    name: "Enterprise",
    guaranteedRps: null,
    burst: null,
    monthlyFeeCents: null,
    selfService: false,
    ipAllowlist: true,
  },
];

export function tierDefinition(id: TierId): TierDefinition {
  const found = TIERS.find((tier) => tier.id === id);
  if (!found) throw new Error(`Unknown tier: ${id}`);
  return found;
}

/** Self-service tiers, cheapest first: upgrades move right, downgrades left. */
export const SELF_SERVICE_TIERS = ["starter", "pro", "business"] as const satisfies readonly TierId[];
export type SelfServiceTier = (typeof SELF_SERVICE_TIERS)[number];

export function tierRank(tier: TierId): number {
  const index = (SELF_SERVICE_TIERS as readonly string[]).indexOf(tier);
  return index < 0 ? SELF_SERVICE_TIERS.length : index;
}

export function tierHasBurst(tier: TierId): boolean {
  return tierDefinition(tier).burst !== null;
}

export function tierHasAllowlist(tier: TierId): boolean {
  return tierDefinition(tier).ipAllowlist;
}

/** The self-service tiers that offer burst, in words, for forms and errors: "Pro and Business". */
export const BURST_TIER_NAMES = new Intl.ListFormat("en", { type: "conjunction" }).format(
  TIERS.filter((tier) => tier.selfService && tier.burst).map((tier) => tier.name),
);

/** The cheapest tier with the IP allowlist (every tier above it has it too): "Pro". */
export const ALLOWLIST_FROM_TIER_NAME = TIERS.find((tier) => tier.ipAllowlist)?.name ?? "Enterprise";

/** "500 req/s per region, burst 2× for 10 s" */
export function formatTierLimits(tier: TierDefinition): string {
  if (tier.guaranteedRps === null) return "Custom limits";
  const rate = `${tier.guaranteedRps.toLocaleString("en-US")} req/s per region`;
  return tier.burst ? `${rate}, burst up to ${tier.burst.multiplier}× for ${tier.burst.seconds} s` : rate;
}

export const REGIONS = [
  { id: "us-east", name: "US-East" },
  { id: "us-west", name: "US-West" },
  { id: "eu-frankfurt", name: "EU-Frankfurt" },
] as const;

/** Add-ons and limits (spec §3). Prices in cents per month. */
export const ADD_ONS = {
  burstFeeCents: 1_000,
  apiKeys: { included: 1, extraFeeCents: 100, maxActivePerService: 10 },
  sealKeys: { included: 1, extraFeeCents: 500, maxPerService: 10, maxEverPerCustomer: 20 },
  packages: { includedPerKey: 3, extraFeeCents: 100, maxPerKey: 10 },
  ipAllowlist: { maxEntries: 20 },
} as const;

/** Usage: $1.00 per 10,000 successful requests, on every tier. */
export const USAGE_PRICE = { cents: 100, perRequests: 10_000 } as const;

/** Unbilled usage is charged once it reaches this amount (spec §3 billing rule 3). */
export const USAGE_INVOICE_THRESHOLD_CENTS = 500;

/** Days an invoice may stay unpaid before the customer's services are suspended. */
export const SUSPEND_AFTER_DAYS = 7;

/** Days a cancelled service's configuration and keys are kept after it stops. */
export const PURGE_AFTER_DAYS = 7;
