// The constraints that protect money and identity hold in the real database.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withTestDatabase } from "#tests/support/database.ts";
import { queryRows } from "./client.ts";
import { ensureLogPartitions } from "./partitions.ts";
import {
  billingRecords,
  customers,
  escrowAccounts,
  escrowTransactions,
  sealKeys,
  serviceInstances,
} from "./schema/index.ts";

const database = withTestDatabase();
const wallet = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

async function expectRejected(promise: Promise<unknown>, constraint: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the database accepted a row it must refuse").toBeInstanceOf(Error);
  const message = `${(error as Error).message} ${String((error as { cause?: unknown }).cause ?? "")}`;
  expect(message).toMatch(constraint);
}

describe("schema constraints", () => {
  it("customer ids are positive and wallets are normalized Sui addresses, one customer each", async () => {
    const { db } = database.current.handle;
    await db.insert(customers).values({ customerId: 1001, walletAddress: wallet(1) });
    await expectRejected(
      db.insert(customers).values({ customerId: 0, walletAddress: wallet(2) }),
      /customers_id_positive/,
    );
    await expectRejected(
      db.insert(customers).values({ customerId: 1002, walletAddress: `0x${"A".repeat(64)}` }),
      /customers_wallet_format/,
    );
    await expectRejected(
      db.insert(customers).values({ customerId: 1003, walletAddress: wallet(1) }),
      /customers_wallet_address_unique|duplicate key/,
    );
  });

  it("keeps the spending limit within $100–$50,000", async () => {
    const { db } = database.current.handle;
    await expectRejected(
      db.insert(customers).values({ customerId: 1010, walletAddress: wallet(10), spendingLimitCents: 9_999 }),
      /customers_spending_limit_range/,
    );
    const [row] = await db
      .insert(customers)
      .values({ customerId: 1011, walletAddress: wallet(11) })
      .returning();
    expect(row?.spendingLimitCents).toBe(200_000);
  });

  it("never lets a cached escrow balance go negative, and stores cents beyond 32 bits", async () => {
    const { db } = database.current.handle;
    await db.insert(customers).values({ customerId: 1020, walletAddress: wallet(20) });
    await expectRejected(
      db.insert(escrowAccounts).values({ customerId: 1020, objectId: "0xesc", balanceCents: -1 }),
      /escrow_accounts_balance_non_negative/,
    );
    const big = 9_000_000_000_000; // $90 billion in cents: needs bigint
    await db.insert(escrowAccounts).values({ customerId: 1020, objectId: "0xesc", balanceCents: big });
    const rows = await queryRows<{ balance_cents: string }>(
      db,
      sql`select balance_cents from escrow_accounts where customer_id = 1020`,
    );
    expect(Number(rows[0]?.balance_cents)).toBe(big);
  });

  it("records a chain transaction digest once, with a positive amount", async () => {
    const { db } = database.current.handle;
    await db.insert(customers).values({ customerId: 1030, walletAddress: wallet(30) });
    const deposit = {
      customerId: 1030,
      kind: "deposit" as const,
      amountCents: 10_000,
      txDigest: "digest-1",
      executedAt: new Date(),
    };
    await db.insert(escrowTransactions).values(deposit);
    await expectRejected(
      db.insert(escrowTransactions).values(deposit),
      /escrow_transactions_tx_digest_unique/,
    );
    await expectRejected(
      db.insert(escrowTransactions).values({ ...deposit, txDigest: "digest-2", amountCents: 0 }),
      /escrow_transactions_amount_positive/,
    );
    await expectRejected(
      db.insert(escrowTransactions).values({ ...deposit, txDigest: "digest-3", kind: "charge" }),
      /escrow_transactions_charge_has_invoice/,
    );
  });

  it("allows one invoice per idempotency key and customer", async () => {
    const { db } = database.current.handle;
    await db.insert(customers).values([
      { customerId: 1040, walletAddress: wallet(40) },
      { customerId: 1041, walletAddress: wallet(41) },
    ]);
    const invoice = {
      customerId: 1040,
      kind: "subscription" as const,
      idempotencyKey: "sub:2026-12",
      amountCents: 4000,
    };
    await db.insert(billingRecords).values(invoice);
    await expectRejected(db.insert(billingRecords).values(invoice), /billing_records_customer_idempotency/);
    // Another customer may use the same period key.
    await db.insert(billingRecords).values({ ...invoice, customerId: 1041 });
    await expectRejected(
      db.insert(billingRecords).values({ ...invoice, idempotencyKey: "neg", amountCents: -5 }),
      /billing_records_amount_non_negative/,
    );
    await expectRejected(
      db.insert(billingRecords).values({ ...invoice, idempotencyKey: "paid", status: "paid" }),
      /billing_records_paid_has_digest/,
    );
  });

  it("never reuses a Seal key derivation index, even after deletion", async () => {
    const { db } = database.current.handle;
    await db.insert(customers).values({ customerId: 1050, walletAddress: wallet(50) });
    const [service] = await db
      .insert(serviceInstances)
      .values({ customerId: 1050, serviceType: "seal", state: "active", tier: "pro" })
      .returning();
    if (!service) throw new Error("no service row");
    const [first] = await db
      .insert(sealKeys)
      .values({ customerId: 1050, serviceInstanceId: service.id, name: "first" })
      .returning();
    await db.delete(sealKeys).where(sql`${sealKeys.id} = ${first?.id}`);
    const [second] = await db
      .insert(sealKeys)
      .values({ customerId: 1050, serviceInstanceId: service.id, name: "second" })
      .returning();
    expect(second?.derivationIndex).toBeGreaterThan(first?.derivationIndex ?? Number.POSITIVE_INFINITY);
  });

  it("one instance per customer and service type", async () => {
    const { db } = database.current.handle;
    await db.insert(customers).values({ customerId: 1060, walletAddress: wallet(60) });
    const row = {
      customerId: 1060,
      serviceType: "grpc" as const,
      state: "active" as const,
      tier: "starter" as const,
    };
    await db.insert(serviceInstances).values(row);
    await expectRejected(db.insert(serviceInstances).values(row), /service_instances_customer_service/);
  });

  it("routes log rows into their day's partition, and accepts rows for unknown customers", async () => {
    const { db } = database.current.handle;
    const ts = new Date("2026-03-15T12:34:56Z");
    await ensureLogPartitions(db, ts, ts);
    await db.execute(sql`insert into haproxy_logs
      (ts, region, server_id, service, customer_id, key_fp, client_ip, method, status,
       bytes_in, bytes_out, t_total_ms, t_backend_ms, outcome, batch_id)
      values (${ts}, 'us-east', 'edge-1', 'seal', 999999, null, '203.0.113.9', 'POST', 200,
              120, 900, 12, 9, 'ok', 1)`);
    const rows = await queryRows<{ partition: string }>(
      db,
      sql`select tableoid::regclass::text as partition from haproxy_logs`,
    );
    expect(rows).toEqual([{ partition: "haproxy_logs_p20260315" }]);
  });
});
