// The billing core against real PostgreSQL and the mock chain: success, refusals, idempotency,
// real concurrency and crash recovery.
import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "#app/domain/clock.ts";
import { MockSuiGateway } from "#app/domain/mock-sui-gateway.ts";
import { type DatabaseHandle, openDatabase, queryRows } from "#db/client.ts";
import { billingLineItems, billingRecords, customers } from "#db/schema/index.ts";
import {
  cachedBalance,
  chainBalance,
  createCustomer,
  deposit,
  fundedCustomer,
  ledger,
  line,
  successfulChainCharges,
} from "#tests/support/billing.ts";
import { withTestDatabase } from "#tests/support/database.ts";
import { serviceDeps } from "#tests/support/deps.ts";
import { EscrowError, recordTransfer, storeBalance } from "../escrow.ts";
import {
  attemptInvoice,
  type BillingDeps,
  type ChargeRequest,
  charge,
  executeCharge,
  InvalidChargeError,
  prepareAttempt,
  reconcile,
  retryFailedInvoices,
} from "./charge.ts";

const database = withTestDatabase();
const clock = fixedClock("2026-11-15T12:00:00Z");
let deps: BillingDeps;

beforeAll(() => {
  deps = serviceDeps(database.current.handle, clock);
});

function request(
  customerId: number,
  amountCents: number,
  overrides: Partial<ChargeRequest> = {},
): ChargeRequest {
  return {
    customerId,
    kind: "subscription",
    idempotencyKey: `test:${randomUUID()}`,
    lines: [line(amountCents)],
    description: "Seal Pro",
    retryOnFailure: false,
    ...overrides,
  };
}

async function invoice(id: number) {
  const [row] = await deps.db.select().from(billingRecords).where(eq(billingRecords.id, id));
  return row;
}

describe("charge", () => {
  it("collects an invoice: paid with its lines, one ledger row, balances updated, activity logged", async () => {
    const customer = await fundedCustomer(deps, 10_000);
    const result = await charge(deps, request(customer.customerId, 4_000));
    expect(result).toMatchObject({ status: "paid", amountCents: 4_000, alreadyPaid: false });
    if (result.status !== "paid") throw new Error("unreachable");
    expect(result.digest).toMatch(/^[1-9A-HJ-NP-Za-km-z]{43,44}$/);

    const paid = await invoice(result.invoiceId);
    expect(paid).toMatchObject({
      status: "paid",
      amountCents: 4_000,
      txDigest: result.digest,
      attemptCount: 1,
    });
    const items = await deps.db
      .select()
      .from(billingLineItems)
      .where(eq(billingLineItems.invoiceId, result.invoiceId));
    expect(items.map((i) => [i.description, i.amountCents])).toEqual([["Seal Pro plan", 4_000]]);
    expect(await ledger(deps.db, customer.customerId)).toEqual([
      { kind: "deposit", amount_cents: "10000", invoice_id: null },
      { kind: "charge", amount_cents: "4000", invoice_id: String(result.invoiceId) },
    ]);
    expect(await cachedBalance(deps.db, customer.customerId)).toBe(6_000);
    expect(await chainBalance(deps, customer)).toBe(6_000);
    const activity = await queryRows(
      deps.db,
      sql`select action, summary from activity_log where customer_id = ${customer.customerId} order by id`,
    );
    expect(activity).toEqual([
      { action: "escrow.deposit", summary: "Deposited $100.00" },
      { action: "billing.charge", summary: "Charged $40.00 for Seal Pro" },
    ]);
  });

  it("refuses when the balance is short, saying how much to deposit, and moves nothing", async () => {
    const customer = await fundedCustomer(deps, 1_240);
    const result = await charge(deps, request(customer.customerId, 2_480));
    expect(result).toMatchObject({
      status: "refused",
      reason: "insufficient_balance",
      shortByCents: 1_240,
      message: "Deposit at least $12.40 to cover this charge.",
    });
    expect((await invoice(result.invoiceId))?.status).toBe("voided");
    expect(await chainBalance(deps, customer)).toBe(1_240);
    expect((await ledger(deps.db, customer.customerId)).map((row) => row.kind)).toEqual(["deposit"]);
    const [row] = await deps.db.select().from(customers).where(eq(customers.customerId, customer.customerId));
    expect(row?.paymentOverdueSince).toBeNull(); // a refused change is not a debt
  });

  it("refuses without an escrow account", async () => {
    const customer = await createCustomer(deps);
    const result = await charge(deps, request(customer.customerId, 2_000));
    expect(result).toMatchObject({ status: "refused", reason: "no_escrow_account", shortByCents: 2_000 });
  });

  it("refuses what would exceed the monthly spending limit, counting only this UTC month", async () => {
    const customer = await fundedCustomer(deps, 100_000, { spendingLimitCents: 10_000 });
    clock.set("2026-10-31T23:59:00Z");
    expect((await charge(deps, request(customer.customerId, 9_000))).status).toBe("paid"); // October
    clock.set("2026-11-15T12:00:00Z");
    expect((await charge(deps, request(customer.customerId, 8_000))).status).toBe("paid");
    const result = await charge(deps, request(customer.customerId, 3_000));
    expect(result).toMatchObject({
      status: "refused",
      reason: "limit_exceeded",
      shortByCents: 1_000,
      message: "This would exceed your monthly spending limit by $10.00.",
    });
    expect(await chainBalance(deps, customer)).toBe(100_000 - 17_000);
    // Exactly up to the limit is allowed.
    expect((await charge(deps, request(customer.customerId, 2_000))).status).toBe("paid");
  });

  it("marks a refused recurring invoice failed and the customer overdue; a deposit pays and clears it", async () => {
    const customer = await fundedCustomer(deps, 500);
    const result = await charge(deps, request(customer.customerId, 2_000, { retryOnFailure: true }));
    expect(result.status).toBe("refused");
    expect((await invoice(result.invoiceId))?.status).toBe("failed");
    const overdue = async () =>
      (await deps.db.select().from(customers).where(eq(customers.customerId, customer.customerId)))[0]
        ?.paymentOverdueSince;
    expect(await overdue()).toEqual(clock.now());

    await deposit(deps, customer, 5_000);
    const retried = await retryFailedInvoices(deps, customer.customerId);
    expect(retried).toMatchObject([{ status: "paid", invoiceId: result.invoiceId }]);
    expect(await overdue()).toBeNull();
    expect(await chainBalance(deps, customer)).toBe(3_500);
  });

  it("is idempotent: the same key twice is one invoice and one charge", async () => {
    const customer = await fundedCustomer(deps, 10_000);
    const first = await charge(deps, request(customer.customerId, 3_000, { idempotencyKey: "sub:2026-11" }));
    const second = await charge(deps, request(customer.customerId, 3_000, { idempotencyKey: "sub:2026-11" }));
    expect(first.status).toBe("paid");
    expect(second).toMatchObject({ status: "paid", alreadyPaid: true, invoiceId: first.invoiceId });
    if (first.status === "paid" && second.status === "paid") expect(second.digest).toBe(first.digest);
    expect(await successfulChainCharges(deps.db, customer.walletAddress)).toBe(1);
    expect(await chainBalance(deps, customer)).toBe(7_000);
    expect((await ledger(deps.db, customer.customerId)).filter((row) => row.kind === "charge")).toHaveLength(
      1,
    );
  });

  it("charges nothing for a zero invoice and refuses malformed lines without writing", async () => {
    const customer = await fundedCustomer(deps, 1_000);
    expect(await charge(deps, request(customer.customerId, 0))).toMatchObject({
      status: "paid",
      digest: null,
    });
    const before = await deps.db
      .select()
      .from(billingRecords)
      .where(eq(billingRecords.customerId, customer.customerId));
    await expect(charge(deps, request(customer.customerId, 10.5))).rejects.toThrow(InvalidChargeError);
    await expect(charge(deps, request(customer.customerId, -100))).rejects.toThrow(InvalidChargeError);
    await expect(charge(deps, request(customer.customerId, 100, { lines: [] }))).rejects.toThrow(
      InvalidChargeError,
    );
    const after = await deps.db
      .select()
      .from(billingRecords)
      .where(eq(billingRecords.customerId, customer.customerId));
    expect(after).toEqual(before);
  });
});

describe("concurrency (separate connections)", () => {
  const handles: DatabaseHandle[] = [];
  const others: BillingDeps[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 4; i++) {
      const handle = await openDatabase({ url: database.current.url, poolMax: 3 });
      handles.push(handle);
      others.push({ db: handle.db, clock, gateway: new MockSuiGateway(handle.db, clock) });
    }
  });
  afterAll(async () => {
    await Promise.all(handles.map((handle) => handle.close()));
  });

  it("never overdraws the balance", async () => {
    for (let round = 0; round < 5; round++) {
      const customer = await fundedCustomer(deps, 10_000);
      const results = await Promise.all(
        others.map((other) => charge(other, request(customer.customerId, 3_000))),
      );
      const paid = results.filter((r) => r.status === "paid");
      expect(paid).toHaveLength(3);
      expect(
        results.filter((r) => r.status === "refused").map((r) => r.status === "refused" && r.reason),
      ).toEqual(["insufficient_balance"]);
      expect(await chainBalance(deps, customer)).toBe(1_000);
      expect(await cachedBalance(deps.db, customer.customerId)).toBe(1_000);
    }
  });

  it("counts charges in flight, not invoices still queued for their own attempt", async () => {
    const customer = await fundedCustomer(deps, 10_000);
    const queued = async (amountCents: number) => {
      const [row] = await deps.db
        .insert(billingRecords)
        .values({
          customerId: customer.customerId,
          kind: "subscription",
          idempotencyKey: `q:${randomUUID()}`,
          amountCents,
        })
        .returning();
      if (!row) throw new Error("no invoice");
      await deps.db.insert(billingLineItems).values({ invoiceId: row.id, ...line(amountCents) });
      return row.id;
    };
    // Created by a concurrent charge that has not reached the customer's lock yet.
    const waiting = await queued(6_000);
    expect(await charge(deps, request(customer.customerId, 6_000))).toMatchObject({ status: "paid" });
    // Its own attempt then sees the first one paid, and the balance short.
    expect(await attemptInvoice(deps, waiting)).toMatchObject({
      status: "refused",
      reason: "insufficient_balance",
    });
    // A reserved attempt (in flight, not settled) does count.
    const inFlight = await queued(3_000);
    expect((await prepareAttempt(deps, inFlight)).kind).toBe("charge");
    expect(await charge(deps, request(customer.customerId, 2_000))).toMatchObject({
      status: "refused",
      reason: "insufficient_balance",
    });
  });

  it("never exceeds the spending limit", async () => {
    for (let round = 0; round < 5; round++) {
      const customer = await fundedCustomer(deps, 1_000_000, { spendingLimitCents: 10_000 });
      const results = await Promise.all(
        others.map((other) => charge(other, request(customer.customerId, 4_000))),
      );
      expect(results.filter((r) => r.status === "paid")).toHaveLength(2);
      expect(results.filter((r) => r.status === "refused" && r.reason === "limit_exceeded")).toHaveLength(2);
      expect(await chainBalance(deps, customer)).toBe(1_000_000 - 8_000);
    }
  });

  it("charges once for one idempotency key submitted concurrently", async () => {
    const customer = await fundedCustomer(deps, 10_000);
    const key = `race:${randomUUID()}`;
    const results = await Promise.all(
      others.map((other) => charge(other, request(customer.customerId, 2_500, { idempotencyKey: key }))),
    );
    const invoiceIds = new Set(results.map((r) => r.invoiceId));
    expect(invoiceIds.size).toBe(1);
    expect(results.some((r) => r.status === "paid")).toBe(true);
    expect(await successfulChainCharges(deps.db, customer.walletAddress)).toBe(1);
    expect(await chainBalance(deps, customer)).toBe(7_500);
  });
});

describe("cached balance", () => {
  it("keeps the newest object version whatever order readings arrive in", async () => {
    const customer = await fundedCustomer(deps, 10_000);
    const before = await deps.gateway.findEscrowAccount(customer.walletAddress);
    if (!before) throw new Error("funded customer has no account");
    const result = await charge(deps, request(customer.customerId, 3_000));
    expect(result.status).toBe("paid");
    expect(await cachedBalance(deps.db, customer.customerId)).toBe(7_000);
    // A reading taken before the charge finishes last (same clock instant): it must not win.
    await storeBalance(deps.db, customer.customerId, before, clock.now());
    expect(await cachedBalance(deps.db, customer.customerId)).toBe(7_000);
    // A genuinely newer version (a deposit made outside the dashboard) does.
    await deps.gateway.simulatedWallet?.deposit({
      owner: customer.walletAddress,
      amountCents: 500,
      requestId: randomUUID(),
    });
    expect(await cachedBalance(deps.db, customer.customerId)).toBe(7_000);
    const after = await deps.gateway.findEscrowAccount(customer.walletAddress);
    if (!after) throw new Error("account vanished");
    expect(after.version).toBeGreaterThan(before.version);
    await storeBalance(deps.db, customer.customerId, after, clock.now());
    expect(await cachedBalance(deps.db, customer.customerId)).toBe(7_500);
  });
});

describe("crash recovery", () => {
  it("settles a charge taken on chain whose database update never happened, exactly once", async () => {
    const customer = await fundedCustomer(deps, 10_000);
    const key = `crash:${randomUUID()}`;
    // Run steps 1 and 2 of an attempt, then "crash" before step 3.
    const [row] = await deps.db
      .insert(billingRecords)
      .values({
        customerId: customer.customerId,
        kind: "subscription",
        idempotencyKey: key,
        amountCents: 4_000,
      })
      .returning();
    if (!row) throw new Error("no invoice");
    await deps.db.insert(billingLineItems).values({ invoiceId: row.id, ...line(4_000) });
    const prepared = await prepareAttempt(deps, row.id);
    if (prepared.kind !== "charge") throw new Error("expected a charge to run");
    expect((await executeCharge(deps, prepared)).status).toBe("success");

    expect((await invoice(row.id))?.status).toBe("pending");
    expect(await chainBalance(deps, customer)).toBe(6_000);
    // Retrying while it is pending cannot charge again.
    const retry = await charge(deps, request(customer.customerId, 4_000, { idempotencyKey: key }));
    expect(retry.status).toBe("in_progress");
    expect(await successfulChainCharges(deps.db, customer.walletAddress)).toBe(1);

    // A slow attempt is left alone; a stale one is settled from the chain.
    expect(await reconcile(deps, { customerId: customer.customerId })).toEqual({ settled: 0, paid: 0 });
    clock.advance(3 * 60_000);
    expect(await reconcile(deps, { customerId: customer.customerId })).toEqual({ settled: 1, paid: 1 });
    expect(await invoice(row.id)).toMatchObject({ status: "paid" });
    expect((await ledger(deps.db, customer.customerId)).filter((r) => r.kind === "charge")).toHaveLength(1);
    expect(await cachedBalance(deps.db, customer.customerId)).toBe(6_000);
    expect(await reconcile(deps, { customerId: customer.customerId })).toEqual({ settled: 0, paid: 0 });
    expect(await charge(deps, request(customer.customerId, 4_000, { idempotencyKey: key }))).toMatchObject({
      status: "paid",
      alreadyPaid: true,
    });
    expect(await successfulChainCharges(deps.db, customer.walletAddress)).toBe(1);
  });

  it("releases an attempt that crashed before reaching the chain, then collects it once", async () => {
    const customer = await fundedCustomer(deps, 10_000);
    const [row] = await deps.db
      .insert(billingRecords)
      .values({
        customerId: customer.customerId,
        kind: "usage",
        idempotencyKey: randomUUID(),
        amountCents: 1_500,
      })
      .returning();
    if (!row) throw new Error("no invoice");
    await deps.db.insert(billingLineItems).values({ invoiceId: row.id, ...line(1_500, "Usage") });
    expect((await prepareAttempt(deps, row.id)).kind).toBe("charge"); // crash: no chain call
    clock.advance(3 * 60_000);
    expect(await reconcile(deps, { customerId: customer.customerId })).toEqual({ settled: 1, paid: 0 });
    expect(await invoice(row.id)).toMatchObject({ status: "failed", failureReason: "interrupted" });
    expect(await chainBalance(deps, customer)).toBe(10_000);
    expect(await retryFailedInvoices(deps, customer.customerId)).toMatchObject([{ status: "paid" }]);
    expect(await chainBalance(deps, customer)).toBe(8_500);
  });
});

describe("recording deposits by digest", () => {
  it("credits the same digest once", async () => {
    const customer = await fundedCustomer(deps, 1_000);
    const wallet = deps.gateway.simulatedWallet;
    if (!wallet) throw new Error("mock only");
    const { digest } = await wallet.deposit({
      owner: customer.walletAddress,
      amountCents: 2_500,
      requestId: "r1",
    });
    expect((await recordTransfer(deps, { ...customer, digest, kind: "deposit" })).recorded).toBe(true);
    expect((await recordTransfer(deps, { ...customer, digest, kind: "deposit" })).recorded).toBe(false);
    const twice = await Promise.all([
      recordTransfer(deps, { ...customer, digest, kind: "deposit" }),
      recordTransfer(deps, { ...customer, digest, kind: "deposit" }),
    ]);
    expect(twice.map((r) => r.recorded)).toEqual([false, false]);
    expect((await ledger(deps.db, customer.customerId)).filter((r) => r.kind === "deposit")).toHaveLength(2);
    expect(await cachedBalance(deps.db, customer.customerId)).toBe(3_500);
    // The simulated wallet is idempotent per request id too.
    expect(
      (await wallet.deposit({ owner: customer.walletAddress, amountCents: 2_500, requestId: "r1" })).digest,
    ).toBe(digest);
  });

  it("refuses a digest that is not a deposit from this wallet to this account", async () => {
    const alice = await fundedCustomer(deps, 1_000);
    const bob = await fundedCustomer(deps, 1_000);
    const wallet = deps.gateway.simulatedWallet;
    if (!wallet) throw new Error("mock only");
    const { digest } = await wallet.deposit({ owner: alice.walletAddress, amountCents: 700, requestId: "a" });
    await expect(recordTransfer(deps, { ...bob, digest, kind: "deposit" })).rejects.toThrow(EscrowError);
    await expect(recordTransfer(deps, { ...alice, digest, kind: "withdraw" })).rejects.toThrow(EscrowError);
    await expect(
      recordTransfer(deps, {
        ...alice,
        digest: "4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi",
        kind: "deposit",
      }),
    ).rejects.toThrow(/No deposit/);
    expect(await cachedBalance(deps.db, bob.customerId)).toBe(1_000);
  });
});
