// Recurring billing with a fixed clock: month close, usage threshold, downgrades and cancellations
// on the 1st, throttle → suspend → pay → restore, catching up missed months, idempotent reruns.

import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "#app/domain/clock.ts";
import { renderApiKeysMap } from "#app/domain/edge-maps.ts";
import {
  type Actor,
  changePlan,
  enableService,
  type ServiceDeps,
  scheduleCancellation,
} from "#app/domain/service-operations.ts";
import { buildVaultCustomers } from "#app/domain/vault.ts";
import { parseEnv } from "#app/lib/env.server.ts";
import { createLogger } from "#app/lib/logger.server.ts";
import { queryRows } from "#db/client.ts";
import { customers, serviceInstances, usageHourly } from "#db/schema/index.ts";
import { chainBalance, deposit, fundedCustomer, type TestCustomer } from "#tests/support/billing.ts";
import { withTestDatabase } from "#tests/support/database.ts";
import { serviceDeps } from "#tests/support/deps.ts";
import { runCycle } from "../cycle.ts";
import { balancesTask } from "./balances.ts";
import { billTask } from "./bill.ts";

const database = withTestDatabase();
const clock = fixedClock("2026-11-15T10:00:00Z");
let deps: ServiceDeps;

beforeAll(() => {
  deps = serviceDeps(database.current.handle, clock);
});

function cycle(tasks = [billTask]) {
  return runCycle(
    { ...deps, env: parseEnv({ APP_ENV: "test" }), logger: createLogger({ level: "silent" }) },
    tasks,
  );
}

async function setup(balanceCents: number, enable: Partial<Parameters<typeof enableService>[2]> = {}) {
  clock.set("2026-11-15T10:00:00Z");
  const customer = await fundedCustomer(deps, balanceCents);
  const actor: Actor = { customerId: customer.customerId, address: customer.walletAddress, ip: "192.0.2.1" };
  await enableService(deps, actor, {
    serviceType: "seal",
    tier: "pro",
    burstEnabled: false,
    apiKeys: 1,
    sealKeys: 1,
    requestId: randomUUID(),
    ...enable,
  });
  return { customer, actor };
}

async function addUsage(customer: TestCustomer, hour: string, billable: number, service = "seal") {
  await deps.db
    .insert(usageHourly)
    .values({ customerId: customer.customerId, service, hour: new Date(hour), requests: billable, billable });
}

async function invoices(customerId: number) {
  const rows = await queryRows<{ id: string; kind: string; status: string; key: string; amount: string }>(
    deps.db,
    sql`select id, kind, status, idempotency_key as key, amount_cents as amount from billing_records
         where customer_id = ${customerId} order by id`,
  );
  return rows.map((row) => ({
    kind: row.kind,
    status: row.status,
    key: row.key,
    amount: Number(row.amount),
  }));
}

async function lines(customerId: number, key: string) {
  return queryRows<{ item_type: string; description: string; quantity: string; amount_cents: string }>(
    deps.db,
    sql`select li.item_type, li.description, li.quantity, li.amount_cents from billing_line_items li
          join billing_records r on r.id = li.invoice_id
         where r.customer_id = ${customerId} and r.idempotency_key = ${key} order by li.id`,
  );
}

async function customerRow(customerId: number) {
  const [row] = await deps.db.select().from(customers).where(eq(customers.customerId, customerId));
  return row;
}

describe("opening a month", () => {
  it("charges the new month's fees with last month's remaining usage in one invoice, carrying the sub-cent rest", async () => {
    const { customer } = await setup(50_000);
    await addUsage(customer, "2026-11-20T10:00:00Z", 40_050);
    clock.set("2026-11-25T00:00:00Z");
    const midMonth = await cycle();
    expect(midMonth.status).toBe("ok");
    expect((await invoices(customer.customerId)).map((i) => i.key)).toEqual([
      expect.stringMatching(/^enable:/),
    ]); // $4.00 < $5

    clock.set("2026-12-01T00:05:00Z");
    expect((await cycle()).status).toBe("ok");
    expect(await invoices(customer.customerId)).toEqual([
      expect.objectContaining({ kind: "subscription", status: "paid", amount: 2_133 }),
      { kind: "subscription", status: "paid", key: "month:2026-12", amount: 400 + 4_000 },
    ]);
    expect(
      (await lines(customer.customerId, "month:2026-12")).map((l) => [
        l.item_type,
        Number(l.quantity),
        Number(l.amount_cents),
      ]),
    ).toEqual([
      ["usage", 40_000, 400],
      ["tier", 1, 4_000],
    ]);
    const [service] = await deps.db
      .select()
      .from(serviceInstances)
      .where(eq(serviceInstances.customerId, customer.customerId));
    expect(service).toMatchObject({ paidMonth: "2026-12", paidFeeCents: 4_000 });
    expect((await customerRow(customer.customerId))?.billingMonth).toBe("2026-12");
    // 50 requests (half a cent) wait for the next invoice.
    const [pending] = await queryRows<{ billed: string }>(
      deps.db,
      sql`select sum(li.quantity) as billed from billing_line_items li join billing_records r on r.id = li.invoice_id
           where r.customer_id = ${customer.customerId} and li.item_type = 'usage'`,
    );
    expect(Number(pending?.billed)).toBe(40_000);

    // Running again changes nothing.
    const before = await invoices(customer.customerId);
    expect((await cycle()).status).toBe("ok");
    expect(await invoices(customer.customerId)).toEqual(before);
  });

  it("applies scheduled downgrades first and skips services whose cancellation took effect", async () => {
    const { customer, actor } = await setup(100_000, { tier: "business", burstEnabled: true });
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
      apiKeys: 1,
      sealKeys: 0,
      requestId: randomUUID(),
    });
    await scheduleCancellation(deps, actor, "grpc");

    clock.set("2026-12-01T01:00:00Z");
    expect((await cycle()).status).toBe("ok");
    const rows = await deps.db
      .select()
      .from(serviceInstances)
      .where(eq(serviceInstances.customerId, customer.customerId));
    expect(rows.find((row) => row.serviceType === "seal")).toMatchObject({
      tier: "pro",
      burstEnabled: false,
      scheduledChanges: null,
    });
    expect(rows.find((row) => row.serviceType === "grpc")).toMatchObject({ state: "cancelled" });
    const december = await lines(customer.customerId, "month:2026-12");
    expect(december.map((l) => [l.item_type, Number(l.amount_cents)])).toEqual([["tier", 4_000]]);

    // Seven days later the cancelled service's configuration and keys are deleted.
    clock.set("2026-12-09T00:00:00Z");
    const purged = await cycle();
    expect(purged.tasks[0]?.detail).toMatchObject({ purged: 1 });
    expect(
      (
        await deps.db
          .select()
          .from(serviceInstances)
          .where(eq(serviceInstances.customerId, customer.customerId))
      ).map((row) => row.serviceType),
    ).toEqual(["seal"]);
  });

  it("catches up every missed month, in order", async () => {
    const { customer } = await setup(100_000, { tier: "starter" });
    clock.set("2027-02-03T12:00:00Z");
    expect((await cycle()).status).toBe("ok");
    expect((await invoices(customer.customerId)).map((i) => [i.key, i.status, i.amount])).toEqual([
      [expect.stringMatching(/^enable:/), "paid", 1_066],
      ["month:2026-12", "paid", 2_000],
      ["month:2027-01", "paid", 2_000],
      ["month:2027-02", "paid", 2_000],
    ]);
    expect((await customerRow(customer.customerId))?.billingMonth).toBe("2027-02");
  });
});

describe("usage in between", () => {
  it("invoices usage once it reaches $5, whole cents only", async () => {
    const { customer } = await setup(100_000);
    await addUsage(customer, "2026-11-16T10:00:00Z", 30_000);
    await addUsage(customer, "2026-11-17T10:00:00Z", 30_099, "grpc");
    clock.set("2026-11-18T00:00:00Z");
    expect((await cycle()).tasks[0]?.detail).toMatchObject({ usageInvoices: 1 });
    const usage = (await invoices(customer.customerId)).filter((i) => i.kind === "usage");
    expect(usage).toEqual([{ kind: "usage", status: "paid", key: "usage:0", amount: 300 + 300 }]);
    // 99 requests remain: not worth an invoice.
    expect((await cycle()).tasks[0]?.detail).toMatchObject({ usageInvoices: 0 });
    // Whole cents are counted per service: 50,000 more Seal requests are worth $5.00.
    await addUsage(customer, "2026-11-19T10:00:00Z", 50_000);
    expect((await cycle()).tasks[0]?.detail).toMatchObject({ usageInvoices: 1 });
    expect(
      (await invoices(customer.customerId)).filter((i) => i.kind === "usage").map((i) => [i.key, i.amount]),
    ).toEqual([
      ["usage:0", 600],
      ["usage:60000", 500],
    ]);
  });
});

describe("unpaid invoices", () => {
  it("throttles from the first failure, suspends after 7 days, restores once paid", async () => {
    const { customer } = await setup(2_500); // $21.33 for November, $3.67 left
    clock.set("2026-12-01T00:10:00Z");
    await cycle();
    expect(await invoices(customer.customerId)).toContainEqual(
      expect.objectContaining({ key: "month:2026-12", status: "failed", amount: 4_000 }),
    );
    let row = await customerRow(customer.customerId);
    expect(row?.paymentOverdueSince?.toISOString()).toBe("2026-12-01T00:10:00.000Z");
    expect(row?.status).toBe("active");
    let vault = (await buildVaultCustomers(deps.db)).find((c) => c.customer_id === customer.customerId);
    expect(vault?.status).toBe("throttled");
    expect(vault?.services[0]?.limits.guaranteed_rps).toBe(250);

    clock.set("2026-12-07T23:00:00Z");
    await cycle();
    expect((await customerRow(customer.customerId))?.status).toBe("active");
    clock.set("2026-12-08T00:10:00Z");
    expect((await cycle()).tasks[0]?.detail).toMatchObject({ suspended: 1 });
    vault = (await buildVaultCustomers(deps.db)).find((c) => c.customer_id === customer.customerId);
    expect(vault).toMatchObject({ status: "suspended" });
    // Keys stay listed so the edge answers 403 (suspended), and nothing is served.
    expect(vault?.services[0]?.api_keys.length).toBeGreaterThan(0);
    expect(vault?.services[0]?.enabled).toBe(false);
    expect(renderApiKeysMap(vault ? [vault] : [])).toMatch(/,suspended,\d+,[01]\n$/);

    // The customer deposits from their wallet (outside the dashboard): the next cycle sees it,
    // retries the invoice, and restores the service.
    const wallet = deps.gateway.simulatedWallet;
    if (!wallet) throw new Error("mock only");
    await wallet.deposit({ owner: customer.walletAddress, amountCents: 10_000, requestId: randomUUID() });
    clock.set("2026-12-08T00:20:00Z");
    const paid = await cycle([balancesTask, billTask]);
    expect(paid.status).toBe("ok");
    expect(await invoices(customer.customerId)).toContainEqual(
      expect.objectContaining({ key: "month:2026-12", status: "paid" }),
    );
    row = await customerRow(customer.customerId);
    expect(row).toMatchObject({ status: "active", paymentOverdueSince: null, suspendedAt: null });
    vault = (await buildVaultCustomers(deps.db)).find((c) => c.customer_id === customer.customerId);
    expect(vault?.status).toBe("active");
    expect(vault?.services[0]?.api_keys).toHaveLength(1);
    expect(await chainBalance(deps, customer)).toBe(367 + 10_000 - 4_000);
    const activity = await queryRows<{ action: string }>(
      deps.db,
      sql`select action from activity_log where customer_id = ${customer.customerId} and kind = 'account' order by id`,
    );
    expect(activity.map((a) => a.action)).toEqual(["account.suspended", "account.restored"]);
  });

  it("a deposit through the dashboard path pays the failed invoice at once", async () => {
    const { customer } = await setup(2_500);
    clock.set("2026-12-01T00:10:00Z");
    await cycle();
    await deposit(deps, customer, 10_000);
    // tests/support deposit() records the deposit; the dashboard then retries failed invoices.
    const { retryFailedInvoices } = await import("#app/domain/billing/charge.ts");
    expect(await retryFailedInvoices(deps, customer.customerId)).toMatchObject([{ status: "paid" }]);
    expect((await customerRow(customer.customerId))?.paymentOverdueSince).toBeNull();
  });
});
