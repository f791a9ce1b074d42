// Fixtures for billing tests: customers with funded escrow accounts on the mock chain.
import { randomUUID } from "node:crypto";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { eq, sql } from "drizzle-orm";
import type { BillingDeps } from "#app/domain/billing/charge.ts";
import { ensureEscrowAccount, recordTransfer } from "#app/domain/escrow.ts";
import { randomCustomerId } from "#app/lib/auth/customers.server.ts";
import { type Queryable, queryRows } from "#db/client.ts";
import { customers } from "#db/schema/index.ts";

export interface TestCustomer {
  customerId: number;
  walletAddress: string;
}

export async function createCustomer(
  deps: BillingDeps,
  options: { spendingLimitCents?: number } = {},
): Promise<TestCustomer> {
  const walletAddress = new Ed25519Keypair().toSuiAddress();
  const customerId = randomCustomerId();
  await deps.db.insert(customers).values({
    customerId,
    walletAddress,
    spendingLimitCents: options.spendingLimitCents ?? 200_000,
  });
  return { customerId, walletAddress };
}

/** Deposit through the simulated wallet and record it the way the dashboard does. */
export async function deposit(
  deps: BillingDeps,
  customer: TestCustomer,
  amountCents: number,
): Promise<string> {
  const wallet = deps.gateway.simulatedWallet;
  if (!wallet) throw new Error("tests need the mock gateway");
  const [row] = await deps.db.select().from(customers).where(eq(customers.customerId, customer.customerId));
  await ensureEscrowAccount(deps, {
    customerId: customer.customerId,
    walletAddress: customer.walletAddress,
    spendingLimitCents: row?.spendingLimitCents ?? 200_000,
  });
  const { digest } = await wallet.deposit({
    owner: customer.walletAddress,
    amountCents,
    requestId: randomUUID(),
  });
  await recordTransfer(deps, { ...customer, digest, kind: "deposit" });
  return digest;
}

export async function fundedCustomer(
  deps: BillingDeps,
  balanceCents: number,
  options: { spendingLimitCents?: number } = {},
): Promise<TestCustomer> {
  const customer = await createCustomer(deps, options);
  await deposit(deps, customer, balanceCents);
  return customer;
}

export async function chainBalance(deps: BillingDeps, customer: TestCustomer): Promise<number> {
  return (await deps.gateway.findEscrowAccount(customer.walletAddress))?.balanceCents ?? 0;
}

export async function ledger(db: Queryable, customerId: number) {
  return queryRows<{ kind: string; amount_cents: string; invoice_id: string | null }>(
    db,
    sql`select kind, amount_cents, invoice_id from escrow_transactions where customer_id = ${customerId} order by id`,
  );
}

export async function cachedBalance(db: Queryable, customerId: number): Promise<number> {
  const [row] = await queryRows<{ balance_cents: string }>(
    db,
    sql`select balance_cents from escrow_accounts where customer_id = ${customerId}`,
  );
  return Number(row?.balance_cents ?? 0);
}

export async function successfulChainCharges(db: Queryable, walletAddress: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from mock_chain_transactions t
          join mock_chain_accounts a on a.object_id = t.account_object_id
         where a.owner_address = ${walletAddress} and t.kind = 'charge' and t.status = 'success'`,
  );
  return row?.n ?? 0;
}

export function line(amountCents: number, description = "Seal Pro plan") {
  return {
    serviceType: "seal" as const,
    itemType: "tier",
    description,
    quantity: 1,
    unitPriceCents: amountCents,
    amountCents,
  };
}
