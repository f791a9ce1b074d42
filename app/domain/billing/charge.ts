// The billing core (spec §3 Money): the one function that charges a customer.
//
// charge() = create (or find) the invoice, then attempt it:
//   1. under the customer's row lock, in one short transaction: check the monthly spending limit
//      and the balance (counting charges already in flight), mark the invoice pending;
//   2. charge the escrow through the gateway with the invoice id as nonce, holding no database
//      transaction or lock (a chain call can take seconds);
//   3. in a second transaction: mark the invoice paid (or failed/voided with the reason), write the
//      ledger row and the activity entry.
// A crash between 2 and 3 leaves the invoice pending; reconcile() looks the charge up by nonce and
// finishes the job. Because the nonce is the invoice id, no retry can ever charge twice.
import { and, asc, eq, inArray, lt, ne, sql } from "drizzle-orm";
import type { Database, Queryable, Transaction } from "#db/client.ts";
import {
  billingLineItems,
  billingRecords,
  customers,
  escrowTransactions,
  type InvoiceKind,
} from "#db/schema/index.ts";
import { recordActivity } from "../activity.ts";
import type { ServiceType } from "../catalog.ts";
import type { Clock } from "../clock.ts";
import { getEscrowAccount, refreshBalance, storeBalance } from "../escrow.ts";
import { formatCents } from "../money.ts";
import type { ChargeOutcome, SuiGateway } from "../sui-gateway.ts";
import { monthStart } from "./calendar.ts";
import { onInvoicePaid } from "./paid-hooks.ts";

export interface BillingDeps {
  db: Database;
  gateway: SuiGateway;
  clock: Clock;
}

export interface InvoiceLineInput {
  serviceType?: ServiceType | null;
  itemType: string;
  description: string;
  quantity: number;
  unitPriceCents: number;
  amountCents: number;
}

export interface ChargeRequest {
  customerId: number;
  kind: InvoiceKind;
  /** Unique per customer: the same key twice is one invoice and at most one charge. */
  idempotencyKey: string;
  lines: InvoiceLineInput[];
  /** What the charge is for, in the activity log ("Seal Pro, pro-rated for November"). */
  description: string;
  periodStart?: Date;
  periodEnd?: Date;
  /**
   * true: a refused charge stays `failed` and is retried (subscriptions, usage).
   * false: a refused charge is `voided`; the change that needed it is not applied.
   */
  retryOnFailure: boolean;
  actor?: { address?: string | null; ip?: string | null };
}

export type RefusalReason = "insufficient_balance" | "limit_exceeded" | "no_escrow_account";

export type ChargeResult =
  | { status: "paid"; invoiceId: number; amountCents: number; digest: string | null; alreadyPaid: boolean }
  | {
      status: "refused";
      invoiceId: number;
      reason: RefusalReason;
      /** How much is missing: the deposit needed, or how far over the limit. */
      shortByCents: number;
      message: string;
    }
  | { status: "in_progress"; invoiceId: number; message: string };

export class InvalidChargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidChargeError";
  }
}

function validateLines(lines: InvoiceLineInput[]): number {
  if (lines.length === 0) throw new InvalidChargeError("an invoice needs at least one line");
  for (const item of lines) {
    for (const value of [item.quantity, item.unitPriceCents, item.amountCents]) {
      if (!Number.isSafeInteger(value))
        throw new InvalidChargeError(`line amounts must be integers: ${item.description}`);
    }
    if (item.quantity <= 0)
      throw new InvalidChargeError(`line quantity must be positive: ${item.description}`);
  }
  const total = lines.reduce((sum, item) => sum + item.amountCents, 0);
  if (total < 0) throw new InvalidChargeError("an invoice total cannot be negative");
  return total;
}

export function refusalMessage(reason: RefusalReason, shortByCents: number): string {
  switch (reason) {
    case "insufficient_balance":
      return `Deposit at least ${formatCents(shortByCents)} to cover this charge.`;
    case "limit_exceeded":
      return `This would exceed your monthly spending limit by ${formatCents(shortByCents)}.`;
    case "no_escrow_account":
      return `Deposit at least ${formatCents(shortByCents)} to open your escrow account and cover this charge.`;
  }
}

/** Create the invoice (once per idempotency key) and try to collect it. */
export async function charge(deps: BillingDeps, request: ChargeRequest): Promise<ChargeResult> {
  const total = validateLines(request.lines);
  const now = deps.clock.now();
  const invoiceId = await deps.db.transaction(async (tx) => {
    const [created] = await tx
      .insert(billingRecords)
      .values({
        customerId: request.customerId,
        kind: request.kind,
        status: "pending",
        idempotencyKey: request.idempotencyKey,
        amountCents: total,
        periodStart: request.periodStart ?? null,
        periodEnd: request.periodEnd ?? null,
        retryOnFailure: request.retryOnFailure,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing({ target: [billingRecords.customerId, billingRecords.idempotencyKey] })
      .returning({ id: billingRecords.id });
    if (!created) {
      const [existing] = await tx
        .select({ id: billingRecords.id })
        .from(billingRecords)
        .where(
          and(
            eq(billingRecords.customerId, request.customerId),
            eq(billingRecords.idempotencyKey, request.idempotencyKey),
          ),
        );
      if (!existing) throw new Error("invoice vanished");
      return existing.id;
    }
    await tx.insert(billingLineItems).values(
      request.lines.map((item) => ({
        invoiceId: created.id,
        serviceType: item.serviceType ?? null,
        itemType: item.itemType,
        description: item.description,
        quantity: item.quantity,
        unitPriceCents: item.unitPriceCents,
        amountCents: item.amountCents,
        createdAt: now,
      })),
    );
    return created.id;
  });
  return attemptInvoice(deps, invoiceId, { description: request.description, actor: request.actor });
}

type InvoiceRow = typeof billingRecords.$inferSelect;

/** Serialize everything that moves a customer's money: one row lock per customer. */
async function lockCustomer(tx: Transaction, customerId: number) {
  const [row] = await tx
    .select({ spendingLimitCents: customers.spendingLimitCents })
    .from(customers)
    .where(eq(customers.customerId, customerId))
    .for("update");
  if (!row) throw new InvalidChargeError(`unknown customer ${customerId}`);
  return row;
}

/**
 * A charge in flight: reserved by an attempt (pending, attempted at least once). An invoice just
 * created and not yet attempted is not: its own attempt checks it under the customer's lock, so
 * counting it here too would refuse a charge that fits because of one queued behind it.
 */
const inFlight = sql`(${billingRecords.status} = 'pending' and ${billingRecords.attemptCount} > 0)`;

/** Paid this month plus charges in flight: what the spending limit is measured against. */
async function monthToDateCents(tx: Queryable, customerId: number, now: Date, excludeInvoiceId: number) {
  const [row] = await tx
    .select({ cents: sql<string>`coalesce(sum(${billingRecords.amountCents}), 0)` })
    .from(billingRecords)
    .where(
      and(
        eq(billingRecords.customerId, customerId),
        ne(billingRecords.id, excludeInvoiceId),
        sql`((${billingRecords.status} = 'paid' and ${billingRecords.paidAt} >= ${monthStart(now)}) or ${inFlight})`,
      ),
    );
  return Number(row?.cents ?? 0);
}

async function pendingChargesCents(tx: Queryable, customerId: number, excludeInvoiceId: number) {
  const [row] = await tx
    .select({ cents: sql<string>`coalesce(sum(${billingRecords.amountCents}), 0)` })
    .from(billingRecords)
    .where(and(eq(billingRecords.customerId, customerId), inFlight, ne(billingRecords.id, excludeInvoiceId)));
  return Number(row?.cents ?? 0);
}

type Prepared =
  | { kind: "done"; result: ChargeResult }
  | { kind: "charge"; invoice: InvoiceRow; accountObjectId: string };

/**
 * Try to collect an existing invoice (first attempt or a retry). Safe to call any number of
 * times, concurrently: at most one chain charge can ever succeed for it.
 */
export async function attemptInvoice(
  deps: BillingDeps,
  invoiceId: number,
  context: { description?: string; actor?: ChargeRequest["actor"] } = {},
): Promise<ChargeResult> {
  const prepared = await prepareAttempt(deps, invoiceId);
  if (prepared.kind === "done") return prepared.result;
  const outcome = await executeCharge(deps, prepared);
  return settleCharge(deps, prepared.invoice.id, outcome, context);
}

/** Step 1: checks and reservation, in one short transaction under the customer's lock. */
export async function prepareAttempt(deps: BillingDeps, invoiceId: number): Promise<Prepared> {
  const [owner] = await deps.db
    .select({ customerId: billingRecords.customerId, amountCents: billingRecords.amountCents })
    .from(billingRecords)
    .where(eq(billingRecords.id, invoiceId));
  if (!owner) throw new InvalidChargeError(`unknown invoice ${invoiceId}`);
  // The balance check must see deposits made outside the dashboard: when the cached balance does
  // not clearly cover the charge, read the chain first. (The chain refuses an overdraft anyway.)
  const cached = await getEscrowAccount(deps.db, owner.customerId);
  if (
    !cached ||
    cached.balanceCents <
      owner.amountCents + (await pendingChargesCents(deps.db, owner.customerId, invoiceId))
  ) {
    await refreshBalance(deps, owner.customerId);
  }

  const now = deps.clock.now();
  return deps.db.transaction(async (tx): Promise<Prepared> => {
    const customer = await lockCustomer(tx, owner.customerId);
    const [invoice] = await tx.select().from(billingRecords).where(eq(billingRecords.id, invoiceId));
    if (!invoice) throw new InvalidChargeError(`unknown invoice ${invoiceId}`);
    if (invoice.status === "paid") {
      return {
        kind: "done",
        result: {
          status: "paid",
          invoiceId,
          amountCents: invoice.amountCents,
          digest: invoice.txDigest,
          alreadyPaid: true,
        },
      };
    }
    if (invoice.status === "pending" && invoice.attemptCount > 0) {
      // Another attempt is collecting it right now (or crashed: reconcile() will settle it).
      return {
        kind: "done",
        result: { status: "in_progress", invoiceId, message: "This charge is already being processed." },
      };
    }

    const refuse = async (reason: RefusalReason, shortByCents: number): Promise<Prepared> => {
      await markRefused(tx, invoice, reason, now);
      return {
        kind: "done",
        result: {
          status: "refused",
          invoiceId,
          reason,
          shortByCents,
          message: refusalMessage(reason, shortByCents),
        },
      };
    };

    if (invoice.amountCents === 0) {
      await tx
        .update(billingRecords)
        .set({ status: "paid", paidAt: now, updatedAt: now, failureReason: null, lastAttemptAt: now })
        .where(eq(billingRecords.id, invoiceId));
      await onInvoicePaid(tx, invoice);
      return {
        kind: "done",
        result: { status: "paid", invoiceId, amountCents: 0, digest: null, alreadyPaid: false },
      };
    }

    const spent = await monthToDateCents(tx, invoice.customerId, now, invoiceId);
    const overLimit = spent + invoice.amountCents - customer.spendingLimitCents;
    if (overLimit > 0) return refuse("limit_exceeded", overLimit);

    const account = await getEscrowAccount(tx, invoice.customerId);
    if (!account) return refuse("no_escrow_account", invoice.amountCents);
    const available = account.balanceCents - (await pendingChargesCents(tx, invoice.customerId, invoiceId));
    if (invoice.amountCents > available)
      return refuse("insufficient_balance", invoice.amountCents - Math.max(0, available));

    const [reserved] = await tx
      .update(billingRecords)
      .set({
        status: "pending",
        attemptCount: sql`${billingRecords.attemptCount} + 1`,
        lastAttemptAt: now,
        updatedAt: now,
      })
      .where(eq(billingRecords.id, invoiceId))
      .returning();
    if (!reserved) throw new Error("invoice vanished");
    return { kind: "charge", invoice: reserved, accountObjectId: account.objectId };
  });
}

async function markRefused(tx: Queryable, invoice: InvoiceRow, reason: string, now: Date) {
  await tx
    .update(billingRecords)
    .set({
      status: invoice.retryOnFailure ? "failed" : "voided",
      failureReason: reason,
      firstFailedAt: invoice.firstFailedAt ?? now,
      attemptCount: sql`${billingRecords.attemptCount} + 1`,
      lastAttemptAt: now,
      updatedAt: now,
    })
    .where(eq(billingRecords.id, invoice.id));
  if (invoice.retryOnFailure) {
    // Billing rule 4: from the first failure the customer is throttled until everything is paid.
    await tx
      .update(customers)
      .set({ paymentOverdueSince: sql`coalesce(${customers.paymentOverdueSince}, ${now})`, updatedAt: now })
      .where(eq(customers.customerId, invoice.customerId));
  }
}

/** Step 2: the chain call, with no database transaction or lock held. */
export async function executeCharge(
  deps: BillingDeps,
  prepared: Extract<Prepared, { kind: "charge" }>,
): Promise<ChargeOutcome> {
  return deps.gateway.charge({
    accountObjectId: prepared.accountObjectId,
    amountCents: prepared.invoice.amountCents,
    nonce: String(prepared.invoice.id),
  });
}

/** Step 3: record what the chain did. The chain is the truth: a successful charge is always recorded. */
export async function settleCharge(
  deps: BillingDeps,
  invoiceId: number,
  outcome: ChargeOutcome,
  context: { description?: string; actor?: ChargeRequest["actor"] } = {},
): Promise<ChargeResult> {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx): Promise<ChargeResult> => {
    const [owner] = await tx
      .select({ customerId: billingRecords.customerId })
      .from(billingRecords)
      .where(eq(billingRecords.id, invoiceId));
    if (!owner) throw new InvalidChargeError(`unknown invoice ${invoiceId}`);
    await lockCustomer(tx, owner.customerId);
    const [invoice] = await tx.select().from(billingRecords).where(eq(billingRecords.id, invoiceId));
    if (!invoice) throw new InvalidChargeError(`unknown invoice ${invoiceId}`);

    if (outcome.status === "failure") {
      if (invoice.status === "paid") {
        return {
          status: "paid",
          invoiceId,
          amountCents: invoice.amountCents,
          digest: invoice.txDigest,
          alreadyPaid: true,
        };
      }
      const reason: RefusalReason = outcome.reason === "no_account" ? "no_escrow_account" : outcome.reason;
      await markRefused(tx, invoice, reason, now);
      const shortBy = invoice.amountCents;
      return {
        status: "refused",
        invoiceId,
        reason,
        shortByCents: shortBy,
        message: refusalMessage(reason, shortBy),
      };
    }

    const chainTx = outcome.transaction;
    const alreadyPaid = invoice.status === "paid";
    if (!alreadyPaid) {
      await tx
        .update(billingRecords)
        .set({
          status: "paid",
          paidAt: chainTx.executedAt,
          txDigest: chainTx.digest,
          failureReason: null,
          updatedAt: now,
        })
        .where(eq(billingRecords.id, invoiceId));
      await onInvoicePaid(tx, invoice);
    }
    const [ledger] = await tx
      .insert(escrowTransactions)
      .values({
        customerId: invoice.customerId,
        kind: "charge",
        amountCents: chainTx.amountCents,
        txDigest: chainTx.digest,
        invoiceId,
        balanceAfterCents: chainTx.balanceAfterCents,
        executedAt: chainTx.executedAt,
        createdAt: now,
      })
      .onConflictDoNothing({ target: escrowTransactions.txDigest })
      .returning({ id: escrowTransactions.id });
    if (ledger) {
      await storeBalance(
        tx,
        invoice.customerId,
        { balanceCents: chainTx.balanceAfterCents, version: chainTx.accountVersion },
        now,
      );
      await recordActivity(tx, {
        customerId: invoice.customerId,
        kind: "charge",
        action: "billing.charge",
        summary: `Charged ${formatCents(chainTx.amountCents)}${context.description ? ` for ${context.description}` : ""}`,
        details: { invoiceId, digest: chainTx.digest, amountCents: chainTx.amountCents },
        actorAddress: context.actor?.address ?? null,
        ip: context.actor?.ip ?? null,
        at: now,
      });
    }
    await clearOverdueIfSettled(tx, invoice.customerId, now);
    return {
      status: "paid",
      invoiceId,
      amountCents: invoice.amountCents,
      digest: chainTx.digest,
      alreadyPaid,
    };
  });
}

/** Paying everything clears the overdue mark (the manager restores throttled/suspended service). */
async function clearOverdueIfSettled(tx: Queryable, customerId: number, now: Date) {
  const [open] = await tx
    .select({ id: billingRecords.id })
    .from(billingRecords)
    .where(and(eq(billingRecords.customerId, customerId), eq(billingRecords.status, "failed")))
    .limit(1);
  if (!open) {
    await tx
      .update(customers)
      .set({ paymentOverdueSince: null, updatedAt: now })
      .where(and(eq(customers.customerId, customerId), sql`${customers.paymentOverdueSince} is not null`));
  }
}

/**
 * Finish invoices left pending by a crash: look the charge up on chain by its nonce. Found: record
 * it as paid. Not found: the chain call never happened; the invoice is failed (retried later) or
 * voided. Only invoices whose last attempt is older than `graceMs` are touched, so an attempt that
 * is merely slow is left alone.
 */
export async function reconcile(
  deps: BillingDeps,
  options: { customerId?: number; graceMs?: number } = {},
): Promise<{ settled: number; paid: number }> {
  const cutoff = new Date(deps.clock.now().getTime() - (options.graceMs ?? 120_000));
  const stale = await deps.db
    .select({ id: billingRecords.id, customerId: billingRecords.customerId })
    .from(billingRecords)
    .where(
      and(
        eq(billingRecords.status, "pending"),
        sql`${billingRecords.attemptCount} > 0`,
        lt(billingRecords.lastAttemptAt, cutoff),
        ...(options.customerId ? [eq(billingRecords.customerId, options.customerId)] : []),
      ),
    )
    .orderBy(asc(billingRecords.id));
  let paid = 0;
  for (const invoice of stale) {
    const account = await getEscrowAccount(deps.db, invoice.customerId);
    const found = account ? await deps.gateway.findChargeByNonce(account.objectId, String(invoice.id)) : null;
    const outcome: ChargeOutcome =
      found && found.status === "success"
        ? { status: "success", transaction: found }
        : {
            status: "failure",
            reason: account ? "insufficient_balance" : "no_account",
            message: "not charged",
          };
    if (outcome.status === "failure") {
      // Not on chain: release the reservation without blaming the balance.
      const now = deps.clock.now();
      await deps.db.transaction(async (tx) => {
        await lockCustomer(tx, invoice.customerId);
        const [row] = await tx.select().from(billingRecords).where(eq(billingRecords.id, invoice.id));
        if (row?.status === "pending") await markRefused(tx, row, "interrupted", now);
      });
    } else {
      const result = await settleCharge(deps, invoice.id, outcome);
      if (result.status === "paid") paid++;
    }
  }
  return { settled: stale.length, paid };
}

/** Retry a customer's failed recurring invoices, oldest first (after a deposit, and every cycle). */
export async function retryFailedInvoices(deps: BillingDeps, customerId: number): Promise<ChargeResult[]> {
  const failed = await deps.db
    .select({ id: billingRecords.id })
    .from(billingRecords)
    .where(
      and(
        eq(billingRecords.customerId, customerId),
        eq(billingRecords.status, "failed"),
        eq(billingRecords.retryOnFailure, true),
      ),
    )
    .orderBy(asc(billingRecords.id));
  const results: ChargeResult[] = [];
  for (const invoice of failed) {
    const result = await attemptInvoice(deps, invoice.id, { description: `invoice #${invoice.id} (retry)` });
    results.push(result);
    if (result.status === "refused") break; // the rest would be refused for the same reason
  }
  return results;
}

/** Invoices of a customer in a state, for pages and the manager. */
export async function invoicesInStates(db: Queryable, customerId: number, states: InvoiceRow["status"][]) {
  return db
    .select()
    .from(billingRecords)
    .where(and(eq(billingRecords.customerId, customerId), inArray(billingRecords.status, states)))
    .orderBy(asc(billingRecords.id));
}
