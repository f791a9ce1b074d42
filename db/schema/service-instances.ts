import { sql } from "drizzle-orm";
import { bigint, boolean, check, integer, jsonb, pgTable, text, unique } from "drizzle-orm/pg-core";
import { cents, createdAt, SERVICE_TYPES, utc } from "./columns.ts";
import { customers } from "./customers.ts";

export const SERVICE_TIERS = ["starter", "pro", "business", "enterprise"] as const;
export type ServiceTier = (typeof SERVICE_TIERS)[number];

/**
 * Lifecycle of a configured service (spec §3); "not configured" is the absence of a row.
 * `active` runs (subject to the ON/OFF toggle in `enabled`); `cancel_scheduled` keeps running
 * until `cancelEffectiveAt` (month end) and can be undone; `cancelled` rows keep config and keys
 * for the grace period, then are purged. The state shown to people is derived in
 * app/domain/services.ts.
 */
export const SERVICE_STATES = ["active", "cancel_scheduled", "cancelled"] as const;
export type ServiceState = (typeof SERVICE_STATES)[number];

export const serviceInstances = pgTable(
  "service_instances",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    customerId: integer()
      .notNull()
      .references(() => customers.customerId),
    serviceType: text({ enum: SERVICE_TYPES }).notNull(),
    state: text({ enum: SERVICE_STATES }).notNull(),
    /** The ON/OFF toggle: off pauses traffic; the monthly fee continues. */
    enabled: boolean().notNull().default(true),
    tier: text({ enum: SERVICE_TIERS }).notNull(),
    burstEnabled: boolean().notNull().default(false),
    /** IPv4/IPv6 addresses or CIDR ranges (Pro and above), normalized and de-duplicated. */
    ipAllowlist: text().array().notNull().default(sql`'{}'::text[]`),
    /** Fee-lowering changes that take effect on the 1st of next month (tier, burst). */
    scheduledChanges: jsonb().$type<{ tier?: "starter" | "pro" | "business"; burstEnabled?: boolean }>(),
    /** When the service is cancel_scheduled: the moment it stops (month end, UTC). */
    cancelEffectiveAt: utc(),
    /**
     * The month ("2026-11") whose fees are paid for this service, and the monthly fee level paid
     * for it. A fee-raising change pays the pro-rated difference above this level.
     */
    paidMonth: text(),
    paidFeeCents: cents().notNull().default(0),
    cancelledAt: utc(),
    enabledAt: utc(),
    createdAt: createdAt(),
    updatedAt: createdAt(),
  },
  (t) => [
    unique("service_instances_customer_service").on(t.customerId, t.serviceType),
    check("service_instances_type_valid", sql`${t.serviceType} in ('seal', 'grpc', 'graphql')`),
    check("service_instances_state_valid", sql`${t.state} in ('active', 'cancel_scheduled', 'cancelled')`),
    check("service_instances_tier_valid", sql`${t.tier} in ('starter', 'pro', 'business', 'enterprise')`),
    check("service_instances_allowlist_max", sql`cardinality(${t.ipAllowlist}) <= 20`),
  ],
);
