// Everything a customer can change about a service, keys included (spec §3, §4). Every change
// runs under the customer's operation lock (so double submits and concurrent tabs serialize);
// a change that raises the monthly fee is paid — pro-rated — through the billing core *before*
// it is applied, and a refused charge leaves everything as it was. Fee decreases take effect on
// the 1st. Each change is one transaction with its activity entry.
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Database, DatabaseHandle, Queryable } from "#db/client.ts";
import { withCustomerLock } from "#db/customer-lock.ts";
import {
  type ActivityKind,
  apiKeys,
  customers,
  sealKeys,
  sealPackages,
  serviceInstances,
} from "#db/schema/index.ts";
import { recordActivity } from "./activity.ts";
import { apiKeyDisplayParts, generateApiKey, hashApiKey, maskedApiKey } from "./api-keys.ts";
import {
  daysInMonth,
  daysLeftIncludingToday,
  monthKey,
  nextMonthStart,
  prorate,
} from "./billing/calendar.ts";
import { charge } from "./billing/charge.ts";
import {
  ADD_ONS,
  ALLOWLIST_FROM_TIER_NAME,
  BURST_TIER_NAMES,
  type SelfServiceTier,
  type ServiceType,
  serviceDefinition,
  tierDefinition,
  tierHasAllowlist,
  tierHasBurst,
  tierRank,
} from "./catalog.ts";
import type { Clock } from "./clock.ts";
import { parseAllowlist } from "./ip-allowlist.ts";
import { formatCents } from "./money.ts";
import { serviceFeeLines } from "./pricing.ts";
import {
  activeApiKeys,
  displayState,
  findService,
  liveSealKeys,
  monthlyFeeCents,
  pricingConfig,
  type ScheduledChanges,
  type ServiceRow,
  scheduledChangesOf,
  serviceInventory,
} from "./services.ts";
import type { SuiGateway } from "./sui-gateway.ts";

export interface ServiceDeps {
  db: Database;
  database: DatabaseHandle;
  gateway: SuiGateway;
  clock: Clock;
}

export interface Actor {
  customerId: number;
  address: string;
  ip: string | null;
}

/** A refused operation: the HTTP status, a machine code, a sentence for people, maybe a field. */
export class OperationError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = "OperationError";
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

const notFound = (what = "That item") => new OperationError(404, "not_found", `${what} was not found.`);

async function log(
  db: Queryable,
  actor: Actor,
  kind: ActivityKind,
  action: string,
  summary: string,
  at: Date,
  details?: Record<string, unknown>,
) {
  await recordActivity(db, {
    customerId: actor.customerId,
    kind,
    action,
    summary,
    ...(details ? { details } : {}),
    actorAddress: actor.address,
    ip: actor.ip,
    at,
  });
}

async function requireService(
  db: Queryable,
  actor: Actor,
  serviceType: ServiceType,
  options = { allowCancelled: false },
) {
  const service = await findService(db, actor.customerId, serviceType);
  if (!service)
    throw new OperationError(
      404,
      "not_configured",
      `${serviceDefinition(serviceType).name} is not set up yet.`,
    );
  if (service.state === "cancelled" && !options.allowCancelled) {
    throw new OperationError(
      409,
      "cancelled",
      `${serviceDefinition(serviceType).name} is cancelled. Set it up again first.`,
    );
  }
  return service;
}

/**
 * Pay for a fee increase before applying it (spec §3 billing rule 2): the pro-rated difference
 * between the new monthly fee and the level already paid this month. Returns the amount charged.
 */
async function collectIncrease(
  deps: ServiceDeps,
  actor: Actor,
  service: ServiceRow,
  newFeeCents: number,
  change: { description: string; requestId: string },
): Promise<number> {
  const now = deps.clock.now();
  const month = monthKey(now);
  let paidLevel = service.paidFeeCents;
  if (service.paidMonth !== month) {
    // This month's renewal has not been collected (early on the 1st, or it failed): changes that
    // would raise the fee wait until it is, so nothing is charged twice or skipped.
    const currentFee = monthlyFeeCents(
      service.serviceType,
      pricingConfig(service, await serviceInventory(deps.db, service.id)),
    );
    if (newFeeCents <= currentFee) return 0;
    throw new OperationError(
      409,
      "fees_not_collected",
      "This month's fees for this service are not collected yet. Pay any amount due on the Billing page, or try again in a few minutes.",
    );
  }
  if (newFeeCents <= paidLevel) return 0;
  const amount = prorate(newFeeCents - paidLevel, now);
  paidLevel = newFeeCents;
  if (amount === 0) return 0;
  const days = `${daysLeftIncludingToday(now)} of ${daysInMonth(now)} days`;
  const result = await charge(deps, {
    customerId: actor.customerId,
    kind: "subscription",
    idempotencyKey: `change:${service.id}:${change.requestId}`,
    lines: [
      {
        serviceType: service.serviceType,
        itemType: "proration",
        description: `${change.description} (monthly fee ${formatCents(service.paidFeeCents)} → ${formatCents(newFeeCents)}), pro-rated for ${days}`,
        quantity: 1,
        unitPriceCents: amount,
        amountCents: amount,
      },
    ],
    periodStart: now,
    periodEnd: nextMonthStart(now),
    description: change.description,
    retryOnFailure: false,
    actor: { address: actor.address, ip: actor.ip },
  });
  if (result.status === "refused") throw new OperationError(402, result.reason, result.message);
  if (result.status === "in_progress") throw new OperationError(409, "in_progress", result.message);
  return amount;
}

// ---------------------------------------------------------------------------------------------
// Enabling

export interface EnableInput {
  serviceType: ServiceType;
  tier: SelfServiceTier;
  burstEnabled: boolean;
  /** API keys to create now (at least one unless keys survive from a cancelled setup). */
  apiKeys: number;
  /** Seal keys to create now (Seal only). */
  sealKeys: number;
  requestId: string;
}

export interface EnableResult {
  chargedCents: number;
  monthlyFeeCents: number;
  /** The new API keys in full: shown once, never stored. */
  createdKeys: string[];
}

/** The burst add-on exists only on the tiers the catalog gives a burst. */
function assertBurstAvailable(tier: SelfServiceTier, burstEnabled: boolean): void {
  if (!burstEnabled || tierHasBurst(tier)) return;
  throw new OperationError(
    400,
    "burst_unavailable",
    `Burst is available on ${BURST_TIER_NAMES}.`,
    "burstEnabled",
  );
}

export async function enableService(
  deps: ServiceDeps,
  actor: Actor,
  input: EnableInput,
): Promise<EnableResult> {
  const definition = serviceDefinition(input.serviceType);
  if (!definition.available)
    throw new OperationError(400, "unavailable", `${definition.name} is not available yet.`);
  assertBurstAvailable(input.tier, input.burstEnabled);
  return withCustomerLock(deps.database, actor.customerId, async () => {
    const now = deps.clock.now();
    const existing = await findService(deps.db, actor.customerId, input.serviceType);
    if (existing && existing.state !== "cancelled") {
      throw new OperationError(409, "already_configured", `${definition.name} is already set up.`);
    }
    const inventory = existing ? await serviceInventory(deps.db, existing.id) : { apiKeys: [], sealKeys: [] };
    const keptKeys = activeApiKeys(inventory).length;
    const sealKeysToCreate = definition.hasSealKeys ? input.sealKeys : 0;
    if (keptKeys + input.apiKeys < 1) {
      throw new OperationError(400, "api_keys_required", "Create at least one API key.", "apiKeys");
    }
    if (keptKeys + input.apiKeys > ADD_ONS.apiKeys.maxActivePerService) {
      throw new OperationError(
        400,
        "api_key_limit",
        `At most ${ADD_ONS.apiKeys.maxActivePerService} API keys per service.`,
        "apiKeys",
      );
    }
    const liveSeals = liveSealKeys(inventory);
    if (liveSeals.length + sealKeysToCreate > ADD_ONS.sealKeys.maxPerService) {
      throw new OperationError(
        400,
        "seal_key_limit",
        `At most ${ADD_ONS.sealKeys.maxPerService} Seal keys per service.`,
        "sealKeys",
      );
    }
    await assertSealKeyAllowance(deps.db, actor.customerId, sealKeysToCreate, "sealKeys");

    const config = {
      tier: input.tier,
      burstEnabled: input.burstEnabled,
      apiKeys: keptKeys + input.apiKeys,
      sealKeys: liveSeals.length + sealKeysToCreate,
      packagesPerKey: [...liveSeals.map((key) => key.packages.length), ...Array(sealKeysToCreate).fill(0)],
    };
    const fee = monthlyFeeCents(input.serviceType, config);
    const amount = prorate(fee, now);
    const planName = `${definition.name} ${tierDefinition(input.tier).name}`;
    if (amount > 0) {
      const items = serviceFeeLines(input.serviceType, config).map((line) =>
        line.quantity > 1 ? `${line.quantity} × ${line.description.toLowerCase()}` : line.description,
      );
      const result = await charge(deps, {
        customerId: actor.customerId,
        kind: "subscription",
        idempotencyKey: `enable:${input.serviceType}:${input.requestId}`,
        lines: [
          {
            serviceType: input.serviceType,
            itemType: "proration",
            description: `${items.join(", ")}: ${formatCents(fee)}/month, pro-rated for ${daysLeftIncludingToday(now)} of ${daysInMonth(now)} days`,
            quantity: 1,
            unitPriceCents: amount,
            amountCents: amount,
          },
        ],
        periodStart: now,
        periodEnd: nextMonthStart(now),
        description: `enabling ${planName}`,
        retryOnFailure: false,
        actor: { address: actor.address, ip: actor.ip },
      });
      if (result.status === "refused") throw new OperationError(402, result.reason, result.message);
      if (result.status === "in_progress") throw new OperationError(409, "in_progress", result.message);
    }

    const createdKeys: string[] = [];
    await deps.db.transaction(async (tx) => {
      const values = {
        state: "active" as const,
        enabled: true,
        tier: input.tier,
        burstEnabled: input.burstEnabled,
        ipAllowlist: [] as string[],
        scheduledChanges: null,
        cancelEffectiveAt: null,
        cancelledAt: null,
        paidMonth: monthKey(now),
        paidFeeCents: fee,
        enabledAt: now,
        updatedAt: now,
      };
      let serviceId: number;
      if (existing) {
        await tx.update(serviceInstances).set(values).where(eq(serviceInstances.id, existing.id));
        serviceId = existing.id;
      } else {
        const [created] = await tx
          .insert(serviceInstances)
          .values({ customerId: actor.customerId, serviceType: input.serviceType, createdAt: now, ...values })
          .returning({ id: serviceInstances.id });
        if (!created) throw new Error("service row was not created");
        serviceId = created.id;
      }
      // The manager opens this customer's months from now on.
      await tx
        .update(customers)
        .set({ billingMonth: sql`coalesce(${customers.billingMonth}, ${monthKey(now)})` })
        .where(eq(customers.customerId, actor.customerId));
      for (let i = 0; i < input.apiKeys; i++) {
        createdKeys.push(await insertApiKey(tx, actor, { serviceId, serviceType: input.serviceType, now }));
      }
      for (let i = 0; i < sealKeysToCreate; i++) {
        await insertSealKey(tx, actor, { serviceId, name: `Seal key ${liveSeals.length + i + 1}`, now });
      }
      await log(
        tx,
        actor,
        "service",
        "service.enable",
        `Enabled ${planName}${input.burstEnabled ? " with burst" : ""}` +
          (amount > 0 ? ` — charged ${formatCents(amount)} pro-rated` : ""),
        now,
        { serviceType: input.serviceType, tier: input.tier, monthlyFeeCents: fee, chargedCents: amount },
      );
    });
    return { chargedCents: amount, monthlyFeeCents: fee, createdKeys };
  });
}

// ---------------------------------------------------------------------------------------------
// Plan changes, ON/OFF, cancellation, allowlist

export interface PlanChangeResult {
  chargedCents: number;
  /** What changed now. */
  applied: { tier?: SelfServiceTier; burstEnabled?: boolean };
  /** What waits for the 1st. */
  scheduled: ScheduledChanges;
  changed: boolean;
}

export async function changePlan(
  deps: ServiceDeps,
  actor: Actor,
  input: { serviceType: ServiceType; tier: SelfServiceTier; burstEnabled: boolean; requestId: string },
): Promise<PlanChangeResult> {
  assertBurstAvailable(input.tier, input.burstEnabled);
  return withCustomerLock(deps.database, actor.customerId, async () => {
    const now = deps.clock.now();
    const service = await requireService(deps.db, actor, input.serviceType);
    if (!tierDefinition(service.tier).selfService) {
      throw new OperationError(409, "enterprise", "Enterprise plans are changed by contract. Contact us.");
    }
    const before = scheduledChangesOf(service);
    const upgrade = tierRank(input.tier) > tierRank(service.tier);
    const downgrade = tierRank(input.tier) < tierRank(service.tier);
    const nowTier = upgrade ? input.tier : service.tier;
    const burstOn = input.burstEnabled && !service.burstEnabled;
    const burstOff = !input.burstEnabled && service.burstEnabled;
    const nowBurst = burstOn ? true : service.burstEnabled;

    const scheduled: ScheduledChanges = {};
    if (downgrade) scheduled.tier = input.tier;
    if (burstOff) scheduled.burstEnabled = false;

    const applied: PlanChangeResult["applied"] = {};
    if (upgrade) applied.tier = input.tier;
    if (burstOn) applied.burstEnabled = true;
    const changed = Object.keys(applied).length > 0 || JSON.stringify(scheduled) !== JSON.stringify(before);
    if (!changed) return { chargedCents: 0, applied, scheduled, changed };

    const inventory = await serviceInventory(deps.db, service.id);
    const newFee = monthlyFeeCents(
      service.serviceType,
      pricingConfig({ tier: nowTier, burstEnabled: nowBurst }, inventory),
    );
    const name = serviceDefinition(service.serviceType).name;
    const description = [
      upgrade ? `${name} upgrade to ${tierDefinition(input.tier).name}` : null,
      burstOn ? `${name} burst add-on` : null,
    ]
      .filter(Boolean)
      .join(" and ");
    const charged = Object.keys(applied).length
      ? await collectIncrease(deps, actor, service, newFee, {
          description: description || name,
          requestId: input.requestId,
        })
      : 0;

    await deps.db.transaction(async (tx) => {
      await tx
        .update(serviceInstances)
        .set({
          tier: nowTier,
          burstEnabled: nowBurst,
          scheduledChanges: Object.keys(scheduled).length ? scheduled : null,
          paidFeeCents: sql`greatest(${serviceInstances.paidFeeCents}, ${newFee})`,
          updatedAt: now,
        })
        .where(eq(serviceInstances.id, service.id));
      const parts: string[] = [];
      if (upgrade)
        parts.push(
          `upgraded ${name} from ${tierDefinition(service.tier).name} to ${tierDefinition(input.tier).name}`,
        );
      if (burstOn) parts.push(`turned on burst for ${name}`);
      if (scheduled.tier)
        parts.push(`scheduled a downgrade of ${name} to ${tierDefinition(scheduled.tier).name} on the 1st`);
      if (scheduled.burstEnabled === false) parts.push(`scheduled burst off for ${name} on the 1st`);
      if (parts.length === 0 && (before.tier || before.burstEnabled !== undefined)) {
        parts.push(`cancelled the scheduled change to ${name}`);
      }
      const summary = parts.join("; ").replace(/^./, (c) => c.toUpperCase());
      await log(
        tx,
        actor,
        "service",
        "service.plan",
        summary + (charged > 0 ? ` — charged ${formatCents(charged)} pro-rated` : ""),
        now,
        { serviceType: service.serviceType, applied, scheduled, chargedCents: charged },
      );
    });
    return { chargedCents: charged, applied, scheduled, changed };
  });
}

export async function undoScheduledChanges(
  deps: ServiceDeps,
  actor: Actor,
  serviceType: ServiceType,
): Promise<boolean> {
  return withCustomerLock(deps.database, actor.customerId, async () => {
    const service = await requireService(deps.db, actor, serviceType);
    const scheduled = scheduledChangesOf(service);
    if (Object.keys(scheduled).length === 0) return false;
    const now = deps.clock.now();
    await deps.db.transaction(async (tx) => {
      await tx
        .update(serviceInstances)
        .set({ scheduledChanges: null, updatedAt: now })
        .where(eq(serviceInstances.id, service.id));
      await log(
        tx,
        actor,
        "service",
        "service.plan_undo",
        `Kept the current ${serviceDefinition(serviceType).name} plan (undid the scheduled change)`,
        now,
        {
          serviceType,
          undone: scheduled,
        },
      );
    });
    return true;
  });
}

export async function setServiceEnabled(
  deps: ServiceDeps,
  actor: Actor,
  serviceType: ServiceType,
  enabled: boolean,
): Promise<boolean> {
  return withCustomerLock(deps.database, actor.customerId, async () => {
    const service = await requireService(deps.db, actor, serviceType);
    if (service.enabled === enabled) return false;
    const now = deps.clock.now();
    await deps.db.transaction(async (tx) => {
      await tx
        .update(serviceInstances)
        .set({ enabled, updatedAt: now })
        .where(eq(serviceInstances.id, service.id));
      const name = serviceDefinition(serviceType).name;
      await log(
        tx,
        actor,
        "service",
        enabled ? "service.on" : "service.off",
        enabled ? `Turned ${name} on` : `Turned ${name} off (traffic paused; the monthly fee continues)`,
        now,
        { serviceType },
      );
    });
    return true;
  });
}

export async function scheduleCancellation(
  deps: ServiceDeps,
  actor: Actor,
  serviceType: ServiceType,
): Promise<Date> {
  return withCustomerLock(deps.database, actor.customerId, async () => {
    const service = await requireService(deps.db, actor, serviceType);
    if (service.state === "cancel_scheduled" && service.cancelEffectiveAt) return service.cancelEffectiveAt;
    const now = deps.clock.now();
    const effective = nextMonthStart(now);
    await deps.db.transaction(async (tx) => {
      await tx
        .update(serviceInstances)
        .set({ state: "cancel_scheduled", cancelEffectiveAt: effective, updatedAt: now })
        .where(eq(serviceInstances.id, service.id));
      await log(
        tx,
        actor,
        "service",
        "service.cancel",
        `Scheduled ${serviceDefinition(serviceType).name} to stop at the end of the month`,
        now,
        {
          serviceType,
          effective: effective.toISOString(),
        },
      );
    });
    return effective;
  });
}

export async function undoCancellation(
  deps: ServiceDeps,
  actor: Actor,
  serviceType: ServiceType,
): Promise<boolean> {
  return withCustomerLock(deps.database, actor.customerId, async () => {
    const service = await requireService(deps.db, actor, serviceType);
    if (service.state !== "cancel_scheduled") return false;
    const now = deps.clock.now();
    await deps.db.transaction(async (tx) => {
      await tx
        .update(serviceInstances)
        .set({ state: "active", cancelEffectiveAt: null, updatedAt: now })
        .where(eq(serviceInstances.id, service.id));
      await log(
        tx,
        actor,
        "service",
        "service.cancel_undo",
        `Kept ${serviceDefinition(serviceType).name} (undid the cancellation)`,
        now,
        {
          serviceType,
        },
      );
    });
    return true;
  });
}

export async function updateIpAllowlist(
  deps: ServiceDeps,
  actor: Actor,
  input: { serviceType: ServiceType; text: string },
): Promise<string[]> {
  const parsed = parseAllowlist(input.text);
  if (!parsed.ok) throw new OperationError(400, "invalid_allowlist", parsed.errors.join(" "), "allowlist");
  return withCustomerLock(deps.database, actor.customerId, async () => {
    const service = await requireService(deps.db, actor, input.serviceType);
    if (!tierHasAllowlist(service.tier) && parsed.entries.length > 0) {
      throw new OperationError(
        400,
        "allowlist_unavailable",
        `The IP allowlist is available from ${ALLOWLIST_FROM_TIER_NAME} up.`,
        "allowlist",
      );
    }
    const now = deps.clock.now();
    await deps.db.transaction(async (tx) => {
      await tx
        .update(serviceInstances)
        .set({ ipAllowlist: parsed.entries, updatedAt: now })
        .where(eq(serviceInstances.id, service.id));
      const name = serviceDefinition(input.serviceType).name;
      await log(
        tx,
        actor,
        "service",
        "service.allowlist",
        parsed.entries.length
          ? `Set the ${name} IP allowlist to ${parsed.entries.length} ${parsed.entries.length === 1 ? "entry" : "entries"}`
          : `Cleared the ${name} IP allowlist (all addresses allowed)`,
        now,
        { serviceType: input.serviceType, entries: parsed.entries },
      );
    });
    return parsed.entries;
  });
}

// ---------------------------------------------------------------------------------------------
// API keys

async function insertApiKey(
  tx: Queryable,
  actor: Actor,
  input: { serviceId: number; serviceType: ServiceType; now: Date; requestId?: string; name?: string | null },
): Promise<string> {
  const key = generateApiKey(input.serviceType);
  const { prefix, suffix } = apiKeyDisplayParts(key);
  await tx.insert(apiKeys).values({
    customerId: actor.customerId,
    serviceInstanceId: input.serviceId,
    serviceType: input.serviceType,
    keyHash: hashApiKey(key),
    keyPrefix: prefix,
    keySuffix: suffix,
    name: input.name ?? null,
    creationRequestId: input.requestId ?? null,
    createdAt: input.now,
  });
  await log(
    tx,
    actor,
    "api_key",
    "api_key.create",
    `Created API key ${maskedApiKey(prefix, suffix)}`,
    input.now,
    {
      serviceType: input.serviceType,
      prefix,
      suffix,
    },
  );
  return key;
}

export async function createApiKey(
  deps: ServiceDeps,
  actor: Actor,
  input: { serviceType: ServiceType; requestId: string; name?: string | null },
): Promise<{ key: string; chargedCents: number }> {
  return withCustomerLock(deps.database, actor.customerId, async () => {
    const service = await requireService(deps.db, actor, input.serviceType);
    const [duplicate] = await deps.db
      .select({ id: apiKeys.id })
      .from(apiKeys)
      .where(and(eq(apiKeys.customerId, actor.customerId), eq(apiKeys.creationRequestId, input.requestId)));
    if (duplicate) {
      throw new OperationError(
        409,
        "already_created",
        "This key was already created by your previous submission and cannot be shown again. If you did not copy it, revoke it and create a new one.",
      );
    }
    const inventory = await serviceInventory(deps.db, service.id);
    const active = activeApiKeys(inventory).length;
    if (active >= ADD_ONS.apiKeys.maxActivePerService) {
      throw new OperationError(
        409,
        "api_key_limit",
        `You already have ${ADD_ONS.apiKeys.maxActivePerService} active API keys for this service, the maximum. Revoke one first.`,
      );
    }
    const newFee = monthlyFeeCents(
      service.serviceType,
      pricingConfig(service, inventory, { apiKeys: active + 1 }),
    );
    const charged = await collectIncrease(deps, actor, service, newFee, {
      description: `additional ${serviceDefinition(service.serviceType).name} API key`,
      requestId: input.requestId,
    });
    const now = deps.clock.now();
    const key = await deps.db.transaction(async (tx) => {
      await raisePaidLevel(tx, service.id, newFee, now);
      return insertApiKey(tx, actor, {
        serviceId: service.id,
        serviceType: service.serviceType,
        now,
        requestId: input.requestId,
        name: input.name ?? null,
      });
    });
    return { key, chargedCents: charged };
  });
}

async function raisePaidLevel(tx: Queryable, serviceId: number, feeCents: number, now: Date) {
  await tx
    .update(serviceInstances)
    .set({ paidFeeCents: sql`greatest(${serviceInstances.paidFeeCents}, ${feeCents})`, updatedAt: now })
    .where(eq(serviceInstances.id, serviceId));
}

async function ownApiKey(db: Queryable, actor: Actor, serviceType: ServiceType, keyId: number) {
  const [key] = await db
    .select()
    .from(apiKeys)
    .where(
      and(
        eq(apiKeys.id, keyId),
        eq(apiKeys.customerId, actor.customerId),
        eq(apiKeys.serviceType, serviceType),
        isNull(apiKeys.deletedAt),
      ),
    );
  if (!key) throw notFound("That API key");
  return key;
}

/** Revoke (stops working at the next vault) or delete (only once revoked) an API key. */
async function retireApiKey(
  deps: ServiceDeps,
  actor: Actor,
  input: { serviceType: ServiceType; keyId: number },
  step: "revoke" | "delete",
): Promise<boolean> {
  return withCustomerLock(deps.database, actor.customerId, async () => {
    const key = await ownApiKey(deps.db, actor, input.serviceType, input.keyId);
    if (step === "revoke" && key.revokedAt) return false;
    if (step === "delete" && !key.revokedAt) {
      throw new OperationError(409, "not_revoked", "Revoke the key before deleting it.");
    }
    const now = deps.clock.now();
    await deps.db.transaction(async (tx) => {
      await tx
        .update(apiKeys)
        .set(step === "revoke" ? { revokedAt: now } : { deletedAt: now })
        .where(eq(apiKeys.id, key.id));
      const display = maskedApiKey(key.keyPrefix, key.keySuffix);
      await log(
        tx,
        actor,
        "api_key",
        `api_key.${step}`,
        `${step === "revoke" ? "Revoked" : "Deleted"} API key ${display}`,
        now,
        { serviceType: input.serviceType, prefix: key.keyPrefix, suffix: key.keySuffix },
      );
    });
    return true;
  });
}

export const revokeApiKey = (
  deps: ServiceDeps,
  actor: Actor,
  input: { serviceType: ServiceType; keyId: number },
) => retireApiKey(deps, actor, input, "revoke");

export const deleteApiKey = (
  deps: ServiceDeps,
  actor: Actor,
  input: { serviceType: ServiceType; keyId: number },
) => retireApiKey(deps, actor, input, "delete");

// ---------------------------------------------------------------------------------------------
// Seal keys and packages

async function assertSealKeyAllowance(db: Queryable, customerId: number, adding: number, field?: string) {
  if (adding === 0) return;
  const [row] = await db
    .select({ created: customers.sealKeysCreated })
    .from(customers)
    .where(eq(customers.customerId, customerId));
  const created = row?.created ?? 0;
  if (created + adding > ADD_ONS.sealKeys.maxEverPerCustomer) {
    throw new OperationError(
      409,
      "seal_key_lifetime_limit",
      `An account can create at most ${ADD_ONS.sealKeys.maxEverPerCustomer} Seal keys in total (you have created ${created}).`,
      field,
    );
  }
}

async function insertSealKey(
  tx: Queryable,
  actor: Actor,
  input: { serviceId: number; name: string; now: Date; requestId?: string },
): Promise<number> {
  const [key] = await tx
    .insert(sealKeys)
    .values({
      customerId: actor.customerId,
      serviceInstanceId: input.serviceId,
      name: input.name,
      state: "registering",
      creationRequestId: input.requestId ?? null,
      createdAt: input.now,
      updatedAt: input.now,
    })
    .returning({ id: sealKeys.id, derivationIndex: sealKeys.derivationIndex });
  if (!key) throw new Error("seal key was not created");
  await tx
    .update(customers)
    .set({ sealKeysCreated: sql`${customers.sealKeysCreated} + 1` })
    .where(eq(customers.customerId, actor.customerId));
  await log(
    tx,
    actor,
    "seal_key",
    "seal_key.create",
    `Created Seal key "${input.name}" (derivation index ${key.derivationIndex})`,
    input.now,
    {
      sealKeyId: key.id,
      derivationIndex: key.derivationIndex,
    },
  );
  return key.id;
}

export async function createSealKey(
  deps: ServiceDeps,
  actor: Actor,
  input: { name: string; requestId: string },
): Promise<{ id: number; chargedCents: number }> {
  return withCustomerLock(deps.database, actor.customerId, async () => {
    const service = await requireService(deps.db, actor, "seal");
    const [duplicate] = await deps.db
      .select({ id: sealKeys.id })
      .from(sealKeys)
      .where(and(eq(sealKeys.customerId, actor.customerId), eq(sealKeys.creationRequestId, input.requestId)));
    if (duplicate) return { id: duplicate.id, chargedCents: 0 };
    const inventory = await serviceInventory(deps.db, service.id);
    const live = liveSealKeys(inventory);
    if (live.length >= ADD_ONS.sealKeys.maxPerService) {
      throw new OperationError(
        409,
        "seal_key_limit",
        `At most ${ADD_ONS.sealKeys.maxPerService} Seal keys per service. Revoke one first.`,
      );
    }
    await assertSealKeyAllowance(deps.db, actor.customerId, 1);
    const newFee = monthlyFeeCents(
      "seal",
      pricingConfig(service, inventory, {
        sealKeys: live.length + 1,
        packagesPerKey: [...live.map((key) => key.packages.length), 0],
      }),
    );
    const charged = await collectIncrease(deps, actor, service, newFee, {
      description: "additional Seal key",
      requestId: input.requestId,
    });
    const now = deps.clock.now();
    const id = await deps.db.transaction(async (tx) => {
      await raisePaidLevel(tx, service.id, newFee, now);
      return insertSealKey(tx, actor, {
        serviceId: service.id,
        name: input.name,
        now,
        requestId: input.requestId,
      });
    });
    return { id, chargedCents: charged };
  });
}

async function ownSealKey(db: Queryable, actor: Actor, keyId: number) {
  const [key] = await db
    .select()
    .from(sealKeys)
    .where(and(eq(sealKeys.id, keyId), eq(sealKeys.customerId, actor.customerId)));
  if (!key) throw notFound("That Seal key");
  return key;
}

export async function renameSealKey(deps: ServiceDeps, actor: Actor, input: { keyId: number; name: string }) {
  return withCustomerLock(deps.database, actor.customerId, async () => {
    const key = await ownSealKey(deps.db, actor, input.keyId);
    if (key.name === input.name) return false;
    const now = deps.clock.now();
    await deps.db.transaction(async (tx) => {
      await tx.update(sealKeys).set({ name: input.name, updatedAt: now }).where(eq(sealKeys.id, key.id));
      await log(
        tx,
        actor,
        "seal_key",
        "seal_key.rename",
        `Renamed Seal key "${key.name}" to "${input.name}"`,
        now,
        {
          sealKeyId: key.id,
        },
      );
    });
    return true;
  });
}

export async function revokeSealKey(deps: ServiceDeps, actor: Actor, input: { keyId: number }) {
  return withCustomerLock(deps.database, actor.customerId, async () => {
    const key = await ownSealKey(deps.db, actor, input.keyId);
    if (key.state === "revoked") return false;
    const now = deps.clock.now();
    await deps.db.transaction(async (tx) => {
      await tx
        .update(sealKeys)
        .set({ state: "revoked", revokedAt: now, updatedAt: now })
        .where(eq(sealKeys.id, key.id));
      await log(tx, actor, "seal_key", "seal_key.revoke", `Revoked Seal key "${key.name}"`, now, {
        sealKeyId: key.id,
      });
    });
    return true;
  });
}

/**
 * Package changes need the key (re-)registered with the key servers: a registered key becomes
 * `updating`; a key still registering is touched so an in-flight registration with the old
 * package list is not taken as final.
 */
async function markKeyForUpdate(tx: Queryable, keyId: number, now: Date) {
  await tx
    .update(sealKeys)
    .set({
      state: sql`case when ${sealKeys.state} = 'registered' then 'updating' else ${sealKeys.state} end`,
      updatedAt: now,
      nextAttemptAt: null,
    })
    .where(and(eq(sealKeys.id, keyId), inArray(sealKeys.state, ["registering", "registered", "updating"])));
}

export async function addPackage(
  deps: ServiceDeps,
  actor: Actor,
  input: { keyId: number; packageId: string; name: string | null; requestId: string },
): Promise<{ chargedCents: number }> {
  return withCustomerLock(deps.database, actor.customerId, async () => {
    const key = await ownSealKey(deps.db, actor, input.keyId);
    if (key.state === "revoked") throw new OperationError(409, "revoked", "This Seal key is revoked.");
    const service = await requireService(deps.db, actor, "seal");
    const [duplicateRequest] = await deps.db
      .select({ id: sealPackages.id })
      .from(sealPackages)
      .where(
        and(
          eq(sealPackages.customerId, actor.customerId),
          eq(sealPackages.creationRequestId, input.requestId),
        ),
      );
    if (duplicateRequest) return { chargedCents: 0 };
    const inventory = await serviceInventory(deps.db, service.id);
    const live = liveSealKeys(inventory);
    const target = live.find((candidate) => candidate.id === key.id);
    if (!target) throw notFound("That Seal key");
    if (target.packages.some((row) => row.packageId === input.packageId)) {
      throw new OperationError(
        409,
        "duplicate_package",
        "This package is already allowed for this key.",
        "packageId",
      );
    }
    if (target.packages.length >= ADD_ONS.packages.maxPerKey) {
      throw new OperationError(
        409,
        "package_limit",
        `At most ${ADD_ONS.packages.maxPerKey} packages per Seal key.`,
        "packageId",
      );
    }
    const newFee = monthlyFeeCents(
      "seal",
      pricingConfig(service, inventory, {
        packagesPerKey: live.map(
          (candidate) => candidate.packages.length + (candidate.id === key.id ? 1 : 0),
        ),
      }),
    );
    const charged = await collectIncrease(deps, actor, service, newFee, {
      description: `additional package on Seal key "${key.name}"`,
      requestId: input.requestId,
    });
    const now = deps.clock.now();
    await deps.db.transaction(async (tx) => {
      await raisePaidLevel(tx, service.id, newFee, now);
      await tx.insert(sealPackages).values({
        customerId: actor.customerId,
        sealKeyId: key.id,
        packageId: input.packageId,
        name: input.name,
        creationRequestId: input.requestId,
        createdAt: now,
      });
      await markKeyForUpdate(tx, key.id, now);
      await log(
        tx,
        actor,
        "package",
        "package.add",
        `Allowed package ${input.packageId.slice(0, 10)}…${input.packageId.slice(-4)}${input.name ? ` ("${input.name}")` : ""} on Seal key "${key.name}"`,
        now,
        { sealKeyId: key.id, packageId: input.packageId },
      );
    });
    return { chargedCents: charged };
  });
}

async function ownPackage(db: Queryable, actor: Actor, packageRowId: number) {
  const [row] = await db
    .select({ pkg: sealPackages, keyName: sealKeys.name })
    .from(sealPackages)
    .innerJoin(sealKeys, eq(sealKeys.id, sealPackages.sealKeyId))
    .where(and(eq(sealPackages.id, packageRowId), eq(sealPackages.customerId, actor.customerId)));
  if (!row) throw notFound("That package");
  return row;
}

export async function renamePackage(
  deps: ServiceDeps,
  actor: Actor,
  input: { packageRowId: number; name: string | null },
): Promise<boolean> {
  return withCustomerLock(deps.database, actor.customerId, async () => {
    const { pkg } = await ownPackage(deps.db, actor, input.packageRowId);
    if (pkg.name === input.name) return false;
    const now = deps.clock.now();
    await deps.db.transaction(async (tx) => {
      await tx.update(sealPackages).set({ name: input.name }).where(eq(sealPackages.id, pkg.id));
      await log(
        tx,
        actor,
        "package",
        "package.rename",
        `Renamed package ${pkg.packageId.slice(0, 10)}… to "${input.name ?? ""}"`,
        now,
        {
          packageId: pkg.packageId,
        },
      );
    });
    return true;
  });
}

export async function deletePackage(
  deps: ServiceDeps,
  actor: Actor,
  input: { packageRowId: number },
): Promise<void> {
  return withCustomerLock(deps.database, actor.customerId, async () => {
    const { pkg, keyName } = await ownPackage(deps.db, actor, input.packageRowId);
    const now = deps.clock.now();
    await deps.db.transaction(async (tx) => {
      await tx.delete(sealPackages).where(eq(sealPackages.id, pkg.id));
      await markKeyForUpdate(tx, pkg.sealKeyId, now);
      await log(
        tx,
        actor,
        "package",
        "package.delete",
        `Removed package ${pkg.packageId.slice(0, 10)}… from Seal key "${keyName}"`,
        now,
        {
          sealKeyId: pkg.sealKeyId,
          packageId: pkg.packageId,
        },
      );
    });
  });
}

export { displayState };
