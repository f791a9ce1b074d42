// Every pricing rule of spec §3 against the catalog, with a fixed clock, through the real
// operations on real PostgreSQL and the mock chain.
import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type DatabaseHandle, openDatabase, queryRows } from "#db/client.ts";
import { apiKeys, billingRecords, customers, sealKeys, serviceInstances } from "#db/schema/index.ts";
import { chainBalance, fundedCustomer, type TestCustomer } from "#tests/support/billing.ts";
import { withTestDatabase } from "#tests/support/database.ts";
import { serviceDeps } from "#tests/support/deps.ts";
import { fixedClock } from "./clock.ts";
import { MockSuiGateway } from "./mock-sui-gateway.ts";
import {
  type Actor,
  addPackage,
  changePlan,
  createApiKey,
  createSealKey,
  deleteApiKey,
  enableService,
  OperationError,
  revokeApiKey,
  type ServiceDeps,
  scheduleCancellation,
  setServiceEnabled,
  undoCancellation,
  undoScheduledChanges,
  updateIpAllowlist,
} from "./service-operations.ts";
import { findService, serviceInventory } from "./services.ts";

const database = withTestDatabase();
// November has 30 days; on the 15th, 16 days are left including today.
const clock = fixedClock("2026-11-15T09:00:00Z");
let deps: ServiceDeps;

beforeAll(() => {
  deps = serviceDeps(database.current.handle, clock);
});
beforeEach(() => clock.set("2026-11-15T09:00:00Z"));

const actorOf = (customer: TestCustomer): Actor => ({
  customerId: customer.customerId,
  address: customer.walletAddress,
  ip: "198.51.100.7",
});

async function customerWith(balanceCents: number, options: { spendingLimitCents?: number } = {}) {
  const customer = await fundedCustomer(deps, balanceCents, options);
  return { customer, actor: actorOf(customer) };
}

const enable = (actor: Actor, overrides: Partial<Parameters<typeof enableService>[2]> = {}) =>
  enableService(deps, actor, {
    serviceType: "seal",
    tier: "pro",
    burstEnabled: false,
    apiKeys: 1,
    sealKeys: 1,
    requestId: randomUUID(),
    ...overrides,
  });

async function expectRefused(promise: Promise<unknown>, status: number, code: string | RegExp) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OperationError);
  expect((error as OperationError).status).toBe(status);
  expect((error as OperationError).code).toMatch(code);
  return error as OperationError;
}

async function paidInvoices(customerId: number) {
  return queryRows<{ amount_cents: string; kind: string }>(
    deps.db,
    sql`select amount_cents, kind from billing_records where customer_id = ${customerId} and status = 'paid' order by id`,
  );
}

describe("enabling a service charges the monthly fee pro-rated", () => {
  it.each([
    ["Seal Starter", { tier: "starter" as const }, 2_000, 1_066],
    ["Seal Pro", { tier: "pro" as const }, 4_000, 2_133],
    ["Seal Pro + burst", { tier: "pro" as const, burstEnabled: true }, 5_000, 2_666],
    ["Seal Business + burst", { tier: "business" as const, burstEnabled: true }, 9_000, 4_800],
    ["Seal Pro, 3 API keys, 2 Seal keys", { tier: "pro" as const, apiKeys: 3, sealKeys: 2 }, 4_700, 2_506],
    [
      "gRPC Pro (Seal keys ignored)",
      { serviceType: "grpc" as const, tier: "pro" as const, sealKeys: 4 },
      4_000,
      2_133,
    ],
  ])("%s", async (_label, overrides, monthly, charged) => {
    const { customer, actor } = await customerWith(100_000);
    const result = await enable(actor, overrides);
    expect(result).toMatchObject({ monthlyFeeCents: monthly, chargedCents: charged });
    expect(await chainBalance(deps, customer)).toBe(100_000 - charged);
    const service = await findService(
      deps.db,
      customer.customerId,
      "serviceType" in overrides ? overrides.serviceType : "seal",
    );
    expect(service).toMatchObject({
      state: "active",
      enabled: true,
      paidMonth: "2026-11",
      paidFeeCents: monthly,
    });
  });

  it("shows the new API keys once, stores only their hashes, and creates Seal keys registering", async () => {
    const { customer, actor } = await customerWith(10_000);
    const result = await enable(actor, { apiKeys: 2, sealKeys: 1 });
    expect(result.createdKeys).toHaveLength(2);
    const service = await findService(deps.db, customer.customerId, "seal");
    if (!service) throw new Error("no service");
    const inventory = await serviceInventory(deps.db, service.id);
    for (const key of result.createdKeys) {
      expect(JSON.stringify(inventory)).not.toContain(key);
      expect(
        inventory.apiKeys.some((row) => row.keyPrefix === key.slice(0, 6) && row.keySuffix === key.slice(-4)),
      ).toBe(true);
    }
    expect(inventory.sealKeys.map((key) => [key.name, key.state])).toEqual([["Seal key 1", "registering"]]);
  });

  it("charges one day on the last day of the month", async () => {
    clock.set("2026-11-30T22:00:00Z");
    const { actor } = await customerWith(10_000);
    expect((await enable(actor, { tier: "pro" })).chargedCents).toBe(133);
  });

  it("changes nothing when the charge is refused", async () => {
    const { customer, actor } = await customerWith(1_000);
    const error = await expectRefused(enable(actor, { tier: "pro" }), 402, "insufficient_balance");
    expect(error.message).toBe("Deposit at least $11.33 to cover this charge.");
    expect(await findService(deps.db, customer.customerId, "seal")).toBeNull();
    expect(await deps.db.select().from(apiKeys).where(eq(apiKeys.customerId, customer.customerId))).toEqual(
      [],
    );
    const [row] = await deps.db.select().from(customers).where(eq(customers.customerId, customer.customerId));
    expect(row?.sealKeysCreated).toBe(0);
    expect(await chainBalance(deps, customer)).toBe(1_000);
  });

  it("refuses to enable twice, and burst on Starter", async () => {
    const { actor } = await customerWith(10_000);
    await enable(actor, { tier: "starter" });
    await expectRefused(enable(actor), 409, "already_configured");
    const other = await customerWith(10_000);
    const noBurst = await expectRefused(
      enable(other.actor, { tier: "starter", burstEnabled: true }),
      400,
      "burst_unavailable",
    );
    expect(noBurst).toMatchObject({
      field: "burstEnabled",
      message: "Burst is available on Pro and Business.",
    });
  });
});

describe("plan changes", () => {
  it("charges the pro-rated difference for an upgrade before applying it", async () => {
    const { customer, actor } = await customerWith(100_000);
    await enable(actor, { tier: "pro" });
    const result = await changePlan(deps, actor, {
      serviceType: "seal",
      tier: "business",
      burstEnabled: false,
      requestId: randomUUID(),
    });
    expect(result).toMatchObject({ chargedCents: 2_133, applied: { tier: "business" }, scheduled: {} });
    expect(await findService(deps.db, customer.customerId, "seal")).toMatchObject({
      tier: "business",
      paidFeeCents: 8_000,
    });
    expect((await paidInvoices(customer.customerId)).map((row) => Number(row.amount_cents))).toEqual([
      2_133, 2_133,
    ]);
  });

  it("schedules a downgrade for the 1st without a refund, and can undo it", async () => {
    const { customer, actor } = await customerWith(100_000);
    await enable(actor, { tier: "business", burstEnabled: true });
    const result = await changePlan(deps, actor, {
      serviceType: "seal",
      tier: "starter",
      burstEnabled: false,
      requestId: randomUUID(),
    });
    expect(result).toMatchObject({
      chargedCents: 0,
      applied: {},
      scheduled: { tier: "starter", burstEnabled: false },
    });
    expect(await findService(deps.db, customer.customerId, "seal")).toMatchObject({
      tier: "business",
      burstEnabled: true,
      scheduledChanges: { tier: "starter", burstEnabled: false },
    });
    expect(await undoScheduledChanges(deps, actor, "seal")).toBe(true);
    expect((await findService(deps.db, customer.customerId, "seal"))?.scheduledChanges).toBeNull();
    expect(await paidInvoices(customer.customerId)).toHaveLength(1);
  });

  it("charges for burst turned on; burst off waits for the 1st", async () => {
    const { actor, customer } = await customerWith(100_000);
    await enable(actor, { tier: "pro" });
    const on = await changePlan(deps, actor, {
      serviceType: "seal",
      tier: "pro",
      burstEnabled: true,
      requestId: randomUUID(),
    });
    expect(on.chargedCents).toBe(533); // $10 × 16/30
    const off = await changePlan(deps, actor, {
      serviceType: "seal",
      tier: "pro",
      burstEnabled: false,
      requestId: randomUUID(),
    });
    expect(off).toMatchObject({ chargedCents: 0, scheduled: { burstEnabled: false } });
    // Turning it back on before the 1st is already paid for this month.
    const again = await changePlan(deps, actor, {
      serviceType: "seal",
      tier: "pro",
      burstEnabled: true,
      requestId: randomUUID(),
    });
    expect(again).toMatchObject({ chargedCents: 0, scheduled: {} });
    expect((await findService(deps.db, customer.customerId, "seal"))?.burstEnabled).toBe(true);
  });

  it("leaves everything as it was when the upgrade charge is refused for the balance", async () => {
    const { customer, actor } = await customerWith(3_000);
    await enable(actor, { tier: "pro" }); // $21.33, leaving $8.67
    const error = await expectRefused(
      changePlan(deps, actor, {
        serviceType: "seal",
        tier: "business",
        burstEnabled: false,
        requestId: randomUUID(),
      }),
      402,
      "insufficient_balance",
    );
    expect(error.message).toBe("Deposit at least $12.66 to cover this charge.");
    expect(await findService(deps.db, customer.customerId, "seal")).toMatchObject({
      tier: "pro",
      paidFeeCents: 4_000,
    });
    expect(await chainBalance(deps, customer)).toBe(867);
  });

  it("refuses what would exceed the monthly spending limit, changing nothing", async () => {
    clock.set("2026-11-01T10:00:00Z"); // the whole month is left: pro-rating charges full prices
    const { customer, actor } = await customerWith(100_000, { spendingLimitCents: 10_000 });
    await enable(actor, { tier: "pro" }); // $40
    await changePlan(deps, actor, {
      serviceType: "seal",
      tier: "business",
      burstEnabled: true,
      requestId: randomUUID(),
    }); // $50
    await createSealKey(deps, actor, { name: "second", requestId: randomUUID() }); // $5
    await createSealKey(deps, actor, { name: "third", requestId: randomUUID() }); // $5: exactly $100
    const error = await expectRefused(
      createSealKey(deps, actor, { name: "fourth", requestId: randomUUID() }),
      402,
      "limit_exceeded",
    );
    expect(error.message).toBe("This would exceed your monthly spending limit by $5.00.");
    const service = await findService(deps.db, customer.customerId, "seal");
    const inventory = await serviceInventory(deps.db, service?.id ?? 0);
    expect(inventory.sealKeys.map((key) => key.name)).toEqual(["Seal key 1", "second", "third"]);
    expect(await chainBalance(deps, customer)).toBe(100_000 - 10_000);
  });

  it("waits for this month's renewal before raising the fee", async () => {
    const { customer, actor } = await customerWith(100_000);
    await enable(actor, { tier: "pro" });
    await deps.db
      .update(serviceInstances)
      .set({ paidMonth: "2026-10" })
      .where(eq(serviceInstances.customerId, customer.customerId));
    await expectRefused(
      changePlan(deps, actor, {
        serviceType: "seal",
        tier: "business",
        burstEnabled: false,
        requestId: randomUUID(),
      }),
      409,
      "fees_not_collected",
    );
    // A change that does not raise the fee is fine.
    const downgrade = await changePlan(deps, actor, {
      serviceType: "seal",
      tier: "starter",
      burstEnabled: false,
      requestId: randomUUID(),
    });
    expect(downgrade.scheduled).toEqual({ tier: "starter" });
  });
});

describe("keys and packages beyond the included ones", () => {
  it("charges $1/month pro-rated per extra API key, at most once a month per key level", async () => {
    const { customer, actor } = await customerWith(100_000);
    await enable(actor, { tier: "starter", apiKeys: 1 });
    const second = await createApiKey(deps, actor, { serviceType: "seal", requestId: randomUUID() });
    expect(second.chargedCents).toBe(53); // $1 × 16/30
    expect(second.key).toMatch(/^S[A-Z2-7]{30}$/);
    const service = await findService(deps.db, customer.customerId, "seal");
    const [row] = await deps.db
      .select()
      .from(apiKeys)
      .where(
        and(eq(apiKeys.serviceInstanceId, service?.id ?? 0), eq(apiKeys.keyPrefix, second.key.slice(0, 6))),
      );
    if (!row) throw new Error("key not stored");
    // Revoking lowers next month's fee, with no refund; a replacement this month is already paid for.
    await revokeApiKey(deps, actor, { serviceType: "seal", keyId: row.id });
    const replacement = await createApiKey(deps, actor, { serviceType: "seal", requestId: randomUUID() });
    expect(replacement.chargedCents).toBe(0);
    await deleteApiKey(deps, actor, { serviceType: "seal", keyId: row.id });
    await expectRefused(revokeApiKey(deps, actor, { serviceType: "seal", keyId: row.id }), 404, "not_found");
  });

  it("refuses to delete an active key", async () => {
    const { customer, actor } = await customerWith(10_000);
    await enable(actor, { tier: "starter" });
    const [key] = await deps.db.select().from(apiKeys).where(eq(apiKeys.customerId, customer.customerId));
    await expectRefused(
      deleteApiKey(deps, actor, { serviceType: "seal", keyId: key?.id ?? 0 }),
      409,
      "not_revoked",
    );
  });

  it("charges $5/month pro-rated per extra Seal key and $1 per package beyond 3 on a key", async () => {
    const { customer, actor } = await customerWith(100_000);
    await enable(actor, { tier: "pro", sealKeys: 1 });
    const created = await createSealKey(deps, actor, { name: "second", requestId: randomUUID() });
    expect(created.chargedCents).toBe(266); // $5 × 16/30
    const [first] = await deps.db
      .select()
      .from(sealKeys)
      .where(and(eq(sealKeys.name, "Seal key 1"), eq(sealKeys.customerId, customer.customerId)));
    const charges: number[] = [];
    for (let i = 1; i <= 4; i++) {
      const result = await addPackage(deps, actor, {
        keyId: first?.id ?? 0,
        packageId: `0x${i.toString(16).padStart(64, "0")}`,
        name: i === 1 ? "main" : null,
        requestId: randomUUID(),
      });
      charges.push(result.chargedCents);
    }
    expect(charges).toEqual([0, 0, 0, 53]);
    const service = await findService(deps.db, customer.customerId, "seal");
    expect(service?.paidFeeCents).toBe(4_000 + 500 + 100);
  });

  it("enforces the limits: 10 active API keys, 10 Seal keys per service, 20 ever, 10 packages per key", async () => {
    const { customer, actor } = await customerWith(1_000_000);
    await enable(actor, { tier: "pro", apiKeys: 10, sealKeys: 10 });
    await expectRefused(
      createApiKey(deps, actor, { serviceType: "seal", requestId: randomUUID() }),
      409,
      "api_key_limit",
    );
    await expectRefused(
      createSealKey(deps, actor, { name: "eleventh", requestId: randomUUID() }),
      409,
      "seal_key_limit",
    );
    await deps.db
      .update(customers)
      .set({ sealKeysCreated: 20 })
      .where(eq(customers.customerId, customer.customerId));
    await deps.db
      .update(sealKeys)
      .set({ state: "revoked", revokedAt: clock.now() })
      .where(and(eq(sealKeys.name, "Seal key 10"), eq(sealKeys.customerId, customer.customerId)));
    await expectRefused(
      createSealKey(deps, actor, { name: "twenty-first", requestId: randomUUID() }),
      409,
      "seal_key_lifetime_limit",
    );

    const [key] = await deps.db
      .select()
      .from(sealKeys)
      .where(and(eq(sealKeys.customerId, customer.customerId), eq(sealKeys.name, "Seal key 1")));
    for (let i = 1; i <= 10; i++) {
      await addPackage(deps, actor, {
        keyId: key?.id ?? 0,
        packageId: `0x${i.toString(16).padStart(64, "a")}`,
        name: null,
        requestId: randomUUID(),
      });
    }
    await expectRefused(
      addPackage(deps, actor, {
        keyId: key?.id ?? 0,
        packageId: `0x${"f".repeat(64)}`,
        name: null,
        requestId: randomUUID(),
      }),
      409,
      "package_limit",
    );
    await expectRefused(
      addPackage(deps, actor, {
        keyId: key?.id ?? 0,
        packageId: `0x${"1".padStart(64, "a")}`,
        name: null,
        requestId: randomUUID(),
      }),
      409,
      "duplicate_package",
    );
  });

  it("creates one key and one charge for a form submitted twice at once", async () => {
    const { customer, actor } = await customerWith(100_000);
    await enable(actor, { tier: "pro" });
    const other = await openDatabase({ url: database.current.url, poolMax: 3 });
    try {
      const otherDeps: ServiceDeps = {
        db: other.db,
        database: other,
        clock,
        gateway: new MockSuiGateway(other.db, clock),
      };
      const requestId = randomUUID();
      const results = await Promise.allSettled([
        createApiKey(deps, actor, { serviceType: "seal", requestId }),
        createApiKey(otherDeps, actor, { serviceType: "seal", requestId }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
      const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect((rejected.reason as OperationError).code).toBe("already_created");
      const keys = await deps.db.select().from(apiKeys).where(eq(apiKeys.customerId, customer.customerId));
      expect(keys).toHaveLength(2);
      const invoices = await deps.db
        .select()
        .from(billingRecords)
        .where(eq(billingRecords.customerId, customer.customerId));
      expect(invoices.filter((invoice) => invoice.idempotencyKey.startsWith("change:"))).toHaveLength(1);
    } finally {
      await (other as DatabaseHandle).close();
    }
  });
});

describe("service state and settings", () => {
  it("toggles traffic, schedules a cancellation for month end and undoes it", async () => {
    const { customer, actor } = await customerWith(100_000);
    await enable(actor, { tier: "pro" });
    expect(await setServiceEnabled(deps, actor, "seal", false)).toBe(true);
    expect((await findService(deps.db, customer.customerId, "seal"))?.enabled).toBe(false);
    expect((await scheduleCancellation(deps, actor, "seal")).toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect((await findService(deps.db, customer.customerId, "seal"))?.state).toBe("cancel_scheduled");
    expect(await undoCancellation(deps, actor, "seal")).toBe(true);
    expect((await findService(deps.db, customer.customerId, "seal"))?.state).toBe("active");
  });

  it("accepts an IP allowlist from Pro up, naming bad entries", async () => {
    const starter = await customerWith(100_000);
    await enable(starter.actor, { tier: "starter" });
    const unavailable = await expectRefused(
      updateIpAllowlist(deps, starter.actor, { serviceType: "seal", text: "10.0.0.1" }),
      400,
      "allowlist_unavailable",
    );
    // The tier is named from the catalog, not written into the message.
    expect(unavailable.message).toBe("The IP allowlist is available from Pro up.");
    const pro = await customerWith(100_000);
    await enable(pro.actor, { tier: "pro" });
    const error = await expectRefused(
      updateIpAllowlist(deps, pro.actor, { serviceType: "seal", text: "10.0.0.1 nope" }),
      400,
      "invalid_allowlist",
    );
    expect(error.field).toBe("allowlist");
    expect(error.message).toContain('"nope"');
    expect(
      await updateIpAllowlist(deps, pro.actor, {
        serviceType: "seal",
        text: "10.0.0.1, 10.0.0.1\n192.0.2.0/24",
      }),
    ).toEqual(["10.0.0.1", "192.0.2.0/24"]);
  });

  it("never touches another customer's keys", async () => {
    const alice = await customerWith(10_000);
    const bob = await customerWith(10_000);
    await enable(alice.actor, { tier: "starter" });
    await enable(bob.actor, { tier: "starter" });
    const [aliceKey] = await deps.db
      .select()
      .from(apiKeys)
      .where(eq(apiKeys.customerId, alice.customer.customerId));
    await expectRefused(
      revokeApiKey(deps, bob.actor, { serviceType: "seal", keyId: aliceKey?.id ?? 0 }),
      404,
      "not_found",
    );
    const [still] = await deps.db
      .select()
      .from(apiKeys)
      .where(eq(apiKeys.id, aliceKey?.id ?? 0));
    expect(still?.revokedAt).toBeNull();
  });
});

afterAll(() => {
  clock.set("2026-11-15T09:00:00Z");
});
