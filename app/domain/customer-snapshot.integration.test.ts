// The customer snapshot (one statement) must say exactly what the per-table reads say: the same
// service rows, key counts, key list, fees, amount due and ledger — for a customer with a bit of
// everything (revoked and deleted keys, a revoked Seal key, extra packages, a scheduled downgrade,
// a cancellation, a failed invoice).
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { RouterContextProvider } from "react-router";
import { beforeAll, describe, expect, it } from "vitest";
import { customerSnapshot } from "#app/lib/customer-snapshot.server.ts";
import { type AppServices, servicesContext } from "#app/lib/services.server.ts";
import { apiKeys, billingRecords, customers, sealKeys } from "#db/schema/index.ts";
import { fundedCustomer } from "#tests/support/billing.ts";
import { withTestDatabase } from "#tests/support/database.ts";
import { serviceDeps } from "#tests/support/deps.ts";
import { monthStart } from "./billing/calendar.ts";
import { upcomingMonthlyFees } from "./billing/fees.ts";
import {
  chargesByServiceSince,
  monthCharges,
  monthToDateCharged,
  recentLedger,
  walletSummary,
} from "./billing/overview.ts";
import { fixedClock } from "./clock.ts";
import {
  type CustomerSnapshot,
  loadCustomerSnapshot,
  RECENT_LEDGER_ENTRIES,
  snapshotInventory,
  snapshotKeyChoices,
  snapshotService,
} from "./customer-snapshot.ts";
import { serviceStates } from "./dashboard.ts";
import { sumLines } from "./pricing.ts";
import { keyChoices } from "./request-logs.ts";
import {
  type Actor,
  addPackage,
  changePlan,
  createApiKey,
  createSealKey,
  deleteApiKey,
  enableService,
  revokeApiKey,
  revokeSealKey,
  type ServiceDeps,
  scheduleCancellation,
} from "./service-operations.ts";
import { findService, inventoryCounts, listServices, serviceInventory } from "./services.ts";

const database = withTestDatabase();
const clock = fixedClock("2026-11-15T09:00:00Z");
let deps: ServiceDeps;

beforeAll(() => {
  deps = serviceDeps(database.current.handle, clock);
});

async function busyCustomer() {
  const customer = await fundedCustomer(deps, 500_000);
  const actor: Actor = {
    customerId: customer.customerId,
    address: customer.walletAddress,
    ip: "198.51.100.7",
  };
  await enableService(deps, actor, {
    serviceType: "seal",
    tier: "business",
    burstEnabled: true,
    apiKeys: 3,
    sealKeys: 2,
    requestId: randomUUID(),
  });
  const keys = await deps.db.select().from(apiKeys).where(eq(apiKeys.customerId, customer.customerId));
  const [revoked, deleted] = keys;
  if (!revoked || !deleted) throw new Error("expected API keys");
  await revokeApiKey(deps, actor, { serviceType: "seal", keyId: revoked.id });
  await revokeApiKey(deps, actor, { serviceType: "seal", keyId: deleted.id });
  await deleteApiKey(deps, actor, { serviceType: "seal", keyId: deleted.id });
  await createApiKey(deps, actor, { serviceType: "seal", requestId: randomUUID(), name: "ci" });
  const seals = await deps.db
    .select()
    .from(sealKeys)
    .where(eq(sealKeys.customerId, customer.customerId))
    .orderBy(sealKeys.derivationIndex);
  const [first, second] = seals;
  if (!first || !second) throw new Error("expected Seal keys");
  for (let i = 1; i <= 5; i++) {
    await addPackage(deps, actor, {
      keyId: first.id,
      packageId: `0x${i.toString(16).padStart(64, "0")}`,
      name: null,
      requestId: randomUUID(),
    });
  }
  await addPackage(deps, actor, {
    keyId: second.id,
    packageId: `0x${"a".repeat(64)}`,
    name: "other",
    requestId: randomUUID(),
  });
  await revokeSealKey(deps, actor, { keyId: second.id });
  await createSealKey(deps, actor, { name: "third", requestId: randomUUID() });
  // A downgrade for the 1st, and a second service stopping at month end.
  await changePlan(deps, actor, {
    serviceType: "seal",
    tier: "pro",
    burstEnabled: false,
    requestId: randomUUID(),
  });
  await enableService(deps, actor, {
    serviceType: "grpc",
    tier: "starter",
    burstEnabled: false,
    apiKeys: 2,
    sealKeys: 0,
    requestId: randomUUID(),
  });
  await scheduleCancellation(deps, actor, "grpc");
  // An unpaid invoice: the banners show the amount due.
  await deps.db.insert(billingRecords).values({
    customerId: customer.customerId,
    kind: "usage",
    status: "failed",
    idempotencyKey: `test:${randomUUID()}`,
    amountCents: 1_234,
    firstFailedAt: clock.now(),
  });
  await deps.db
    .update(customers)
    .set({ paymentOverdueSince: clock.now() })
    .where(eq(customers.customerId, customer.customerId));
  return customer;
}

describe("the customer snapshot", () => {
  it("agrees with the per-table reads", async () => {
    const customer = await busyCustomer();
    const { customerId } = customer;
    const snapshot = await loadCustomerSnapshot(deps.db, customerId);

    const rows = await listServices(deps.db, customerId);
    expect(snapshot.services).toEqual([...rows].sort((a, b) => a.id - b.id));
    for (const type of ["seal", "grpc", "graphql"] as const) {
      expect(snapshotService(snapshot, type)).toEqual(await findService(deps.db, customerId, type));
    }
    for (const row of rows) {
      expect(snapshotInventory(snapshot, row.id)).toEqual(
        inventoryCounts(await serviceInventory(deps.db, row.id)),
      );
    }
    const seal = snapshotInventory(snapshot, rows.find((row) => row.serviceType === "seal")?.id ?? 0);
    expect(seal).toEqual({ apiKeys: 2, sealKeys: 2, packagesPerKey: [5, 0] });
    expect(snapshotKeyChoices(snapshot)).toEqual(await keyChoices(deps.db, customerId));
    expect(snapshotKeyChoices(snapshot).map((key) => key.state)).toEqual([
      "revoked",
      "deleted",
      "active",
      "active",
      "active",
      "active",
    ]);
    expect(serviceStates(snapshot)).toEqual(
      new Map([
        ["seal", "enabled"],
        ["grpc", "cancel_scheduled"],
      ]),
    );

    const summary = walletSummary(snapshot);
    const [account] = await deps.db.query.escrowAccounts.findMany({
      where: (table, { eq: equals }) => equals(table.customerId, customerId),
    });
    expect(summary).toMatchObject({
      hasEscrowAccount: true,
      balanceCents: account?.balanceCents,
      nextMonthFeesCents: sumLines(await upcomingMonthlyFees(deps.db, customerId)),
      amountDueCents: 1_234,
      paymentOverdueSince: clock.now(),
      suspended: false,
      lowBalance: false,
    });
    // Seal Pro after the downgrade: $40, one extra API key $1, one extra Seal key $5, two extra packages $2.
    expect(summary.nextMonthFeesCents).toBe(4_800);
    const ledger = await recentLedger(deps.db, customerId, RECENT_LEDGER_ENTRIES);
    expect(ledger.length).toBe(RECENT_LEDGER_ENTRIES);
    expect(summary.recent).toEqual(
      ledger.map(({ id, kind, amountCents, executedAt }) => ({ id, kind, amountCents, executedAt })),
    );

    expect(await monthCharges(deps.db, customerId, clock.now())).toEqual({
      monthToDateCents: await monthToDateCharged(deps.db, customerId, clock.now()),
      chargesByService: await chargesByServiceSince(deps.db, customerId, monthStart(clock.now())),
    });
  });

  it("describes a customer with nothing configured, and one that does not exist", async () => {
    const customer = await fundedCustomer(deps, 500);
    const snapshot = await loadCustomerSnapshot(deps.db, customer.customerId);
    expect(snapshot).toMatchObject({
      status: "active",
      hasEscrowAccount: true,
      balanceCents: 500,
      amountDueCents: 0,
      paymentOverdueSince: null,
      services: [],
      apiKeys: [],
      sealKeys: [],
    });
    expect(walletSummary(snapshot)).toMatchObject({ lowBalance: true, nextMonthFeesCents: 0 });
    const missing: CustomerSnapshot = await loadCustomerSnapshot(deps.db, 2_147_483_000);
    expect(missing).toMatchObject({ status: null, hasEscrowAccount: false, services: [], recentLedger: [] });
    expect(walletSummary(missing)).toMatchObject({ lowBalance: false, suspended: false });
  });

  it("is read once per request, and afresh for the request loaders get after an action", async () => {
    const customer = await fundedCustomer(deps, 1_000);
    const context = new RouterContextProvider();
    context.set(servicesContext, { db: deps.db } as unknown as AppServices);
    const viewer = { customerId: customer.customerId };
    const request = new Request("http://localhost/dashboard");
    const first = customerSnapshot({ request, context }, viewer);
    expect(customerSnapshot({ request, context }, viewer)).toBe(first);
    await first;
    await deps.db
      .update(customers)
      .set({ status: "suspended" })
      .where(eq(customers.customerId, customer.customerId));
    const afterAction = new Request("http://localhost/dashboard");
    const second = customerSnapshot({ request: afterAction, context }, viewer);
    expect(second).not.toBe(first);
    expect((await first).status).toBe("active");
    expect((await second).status).toBe("suspended");
  });
});
