// The customer's escrow as the dashboard sees it (spec §3 Money, §5): the account, its cached
// balance, and recording chain transactions exactly once after verifying them by digest.
import { and, eq, inArray, lt, sql } from "drizzle-orm";
import type { Database, Queryable } from "#db/client.ts";
import {
  billingRecords,
  customers,
  escrowAccounts,
  escrowTransactions,
  serviceInstances,
} from "#db/schema/index.ts";
import { recordActivity } from "./activity.ts";
import type { Clock } from "./clock.ts";
import { formatCents } from "./money.ts";
import type { ChainTransaction, SuiGateway } from "./sui-gateway.ts";

/** While any service is enabled, a withdrawal may not take the balance under this (spec §3). */
export const WITHDRAWAL_FLOOR_CENTS = 5_000;

export interface EscrowDeps {
  db: Database;
  gateway: SuiGateway;
  clock: Clock;
}

export type EscrowAccountRow = typeof escrowAccounts.$inferSelect;

export class EscrowError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "EscrowError";
    this.code = code;
  }
}

export async function getEscrowAccount(db: Queryable, customerId: number): Promise<EscrowAccountRow | null> {
  const [row] = await db.select().from(escrowAccounts).where(eq(escrowAccounts.customerId, customerId));
  return row ?? null;
}

/**
 * The customer's escrow account, linking the on-chain object the first time it is seen. With the
 * simulated wallet the object is created here; on a real network the wallet creates it.
 */
export async function ensureEscrowAccount(
  deps: EscrowDeps,
  customer: { customerId: number; walletAddress: string; spendingLimitCents: number },
): Promise<EscrowAccountRow> {
  const existing = await getEscrowAccount(deps.db, customer.customerId);
  if (existing) return existing;
  const onChain =
    (await deps.gateway.findEscrowAccount(customer.walletAddress)) ??
    (await deps.gateway.simulatedWallet?.openEscrowAccount(
      customer.walletAddress,
      customer.spendingLimitCents,
    ));
  if (!onChain) {
    throw new EscrowError("no_escrow_account", "Create your escrow account from your wallet first.");
  }
  const now = deps.clock.now();
  await deps.db
    .insert(escrowAccounts)
    .values({
      customerId: customer.customerId,
      objectId: onChain.objectId,
      balanceCents: onChain.balanceCents,
      balanceVersion: onChain.version,
      balanceRefreshedAt: now,
      createdAt: now,
    })
    .onConflictDoNothing();
  const linked = await getEscrowAccount(deps.db, customer.customerId);
  if (!linked) throw new Error("escrow account link was not stored");
  return linked;
}

/**
 * Store a balance read from the chain, unless a reading of a newer object version is already
 * stored: two requests refreshing at once can finish in any order without leaving the older
 * balance behind.
 */
export async function storeBalance(
  db: Queryable,
  customerId: number,
  reading: { balanceCents: number; version: number },
  readAt: Date,
) {
  await db
    .update(escrowAccounts)
    .set({ balanceCents: reading.balanceCents, balanceVersion: reading.version, balanceRefreshedAt: readAt })
    .where(
      and(eq(escrowAccounts.customerId, customerId), lt(escrowAccounts.balanceVersion, reading.version)),
    );
}

/** Re-read the balance from the chain into the cache; returns it (null without an account). */
export async function refreshBalance(deps: EscrowDeps, customerId: number): Promise<number | null> {
  const account = await getEscrowAccount(deps.db, customerId);
  if (!account) return null;
  const readAt = deps.clock.now();
  const onChain = await deps.gateway.getEscrowAccount(account.objectId);
  if (!onChain) return null;
  await storeBalance(deps.db, customerId, onChain, readAt);
  return onChain.balanceCents;
}

export interface RecordResult {
  /** False when this digest was already recorded (a retry or double submit): nothing changed. */
  recorded: boolean;
  transaction: ChainTransaction;
}

/**
 * Verify a deposit or withdrawal by digest (right account, right sender, success) and record it
 * once: the ledger's unique digest makes a second recording impossible.
 */
export async function recordTransfer(
  deps: EscrowDeps,
  input: {
    customerId: number;
    walletAddress: string;
    digest: string;
    kind: "deposit" | "withdraw";
    ip?: string | null;
  },
): Promise<RecordResult> {
  const account = await getEscrowAccount(deps.db, input.customerId);
  if (!account) throw new EscrowError("no_escrow_account", "You have no escrow account yet.");
  const transaction = await deps.gateway.getTransaction(input.digest);
  if (
    !transaction ||
    transaction.kind !== input.kind ||
    transaction.accountObjectId !== account.objectId ||
    transaction.sender !== input.walletAddress
  ) {
    throw new EscrowError(
      "not_found",
      `No ${input.kind} from your wallet to your escrow account has this digest.`,
    );
  }
  if (transaction.status !== "success") {
    throw new EscrowError("failed_on_chain", `That ${input.kind} failed on chain; nothing was moved.`);
  }
  const readAt = deps.clock.now();
  const onChain = await deps.gateway.getEscrowAccount(account.objectId);

  const recorded = await deps.db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(escrowTransactions)
      .values({
        customerId: input.customerId,
        kind: input.kind,
        amountCents: transaction.amountCents,
        txDigest: transaction.digest,
        balanceAfterCents: transaction.balanceAfterCents,
        executedAt: transaction.executedAt,
        createdAt: readAt,
      })
      .onConflictDoNothing({ target: escrowTransactions.txDigest })
      .returning({ id: escrowTransactions.id });
    if (!inserted) return false;
    if (onChain) await storeBalance(tx, input.customerId, onChain, readAt);
    await recordActivity(tx, {
      customerId: input.customerId,
      kind: input.kind,
      action: `escrow.${input.kind}`,
      summary: `${input.kind === "deposit" ? "Deposited" : "Withdrew"} ${formatCents(transaction.amountCents)}`,
      details: { digest: transaction.digest, amountCents: transaction.amountCents },
      actorAddress: input.walletAddress,
      ip: input.ip ?? null,
      at: readAt,
    });
    return true;
  });
  return { recorded, transaction };
}

export interface WithdrawalAllowance {
  balanceCents: number;
  /** Charges under way that the balance must still cover. */
  pendingChargesCents: number;
  anyServiceEnabled: boolean;
  /** What must stay in escrow now: the floor while a service is enabled, else 0. */
  floorCents: number;
  maxWithdrawalCents: number;
}

/** How much may be withdrawn now: the balance less charges in flight, less the $50 floor while a service is on. */
export async function withdrawalAllowance(db: Queryable, customerId: number): Promise<WithdrawalAllowance> {
  const account = await getEscrowAccount(db, customerId);
  const balanceCents = account?.balanceCents ?? 0;
  const [pending] = await db
    .select({ cents: sql<string>`coalesce(sum(${billingRecords.amountCents}), 0)` })
    .from(billingRecords)
    .where(and(eq(billingRecords.customerId, customerId), eq(billingRecords.status, "pending")));
  const pendingChargesCents = Number(pending?.cents ?? 0);
  const [enabled] = await db
    .select({ id: serviceInstances.id })
    .from(serviceInstances)
    .where(
      and(
        eq(serviceInstances.customerId, customerId),
        inArray(serviceInstances.state, ["active", "cancel_scheduled"]),
        eq(serviceInstances.enabled, true),
      ),
    )
    .limit(1);
  const anyServiceEnabled = Boolean(enabled);
  const floorCents = anyServiceEnabled ? WITHDRAWAL_FLOOR_CENTS : 0;
  return {
    balanceCents,
    pendingChargesCents,
    anyServiceEnabled,
    floorCents,
    maxWithdrawalCents: Math.max(0, balanceCents - pendingChargesCents - floorCents),
  };
}

export function withdrawalRefusal(allowance: WithdrawalAllowance, amountCents: number): string | null {
  if (amountCents <= allowance.maxWithdrawalCents) return null;
  if (allowance.anyServiceEnabled) {
    return (
      `While a service is enabled the balance may not drop under ${formatCents(WITHDRAWAL_FLOOR_CENTS)}: ` +
      `you can withdraw at most ${formatCents(allowance.maxWithdrawalCents)}.`
    );
  }
  return `You can withdraw at most ${formatCents(allowance.maxWithdrawalCents)}.`;
}

export async function customerWallet(db: Queryable, customerId: number) {
  const [row] = await db
    .select({
      customerId: customers.customerId,
      walletAddress: customers.walletAddress,
      spendingLimitCents: customers.spendingLimitCents,
    })
    .from(customers)
    .where(eq(customers.customerId, customerId));
  if (!row) throw new EscrowError("unknown_customer", "Unknown customer.");
  return row;
}
