import { sql } from "drizzle-orm";
import { bigint, boolean, check, integer, jsonb, pgTable, text, unique } from "drizzle-orm/pg-core";
import { createdAt, SERVICE_TYPES, utc } from "./columns.ts";
import { customers } from "./customers.ts";

export const SERVICE_TIERS = ["starter", "pro", "business", "enterprise"] as const;
export type ServiceTier = (typeof SERVICE_TIERS)[number];

/**
 * Lifecycle of a configured service (spec §3). "Not configured" is the absence of a row.
 * `enabled`/`disabled` is the ON/OFF toggle; `cancel_scheduled` stops at month end;
 * `cancelled` rows are purged after the grace period.
 */
export const SERVICE_STATES = ["enabled", "disabled", "cancel_scheduled", "cancelled"] as const;
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
    tier: text({ enum: SERVICE_TIERS }).notNull(),
    burstEnabled: boolean().notNull().default(false),
    /** IPv4/IPv6 addresses or CIDR ranges (Pro and above), normalized and de-duplicated. */
    ipAllowlist: text().array().notNull().default(sql`'{}'::text[]`),
    /** Fee-lowering changes that take effect on the 1st of next month (tier, burst). */
    scheduledChanges: jsonb().$type<Record<string, unknown>>(),
    /** When the service is cancel_scheduled: the moment it stops (month end, UTC). */
    cancelEffectiveAt: utc(),
    cancelledAt: utc(),
    enabledAt: utc(),
    createdAt: createdAt(),
    updatedAt: createdAt(),
  },
  (t) => [
    unique("service_instances_customer_service").on(t.customerId, t.serviceType),
    check("service_instances_type_valid", sql`${t.serviceType} in ('seal', 'grpc', 'graphql')`),
    check(
      "service_instances_state_valid",
      sql`${t.state} in ('enabled', 'disabled', 'cancel_scheduled', 'cancelled')`,
    ),
    check("service_instances_tier_valid", sql`${t.tier} in ('starter', 'pro', 'business', 'enterprise')`),
    check("service_instances_allowlist_max", sql`cardinality(${t.ipAllowlist}) <= 20`),
  ],
);
