// The `mock` SuiGateway (dev, demo, tests): a simulated USDC escrow ledger in its own tables, with
// digests, balances and events. It behaves like the escrow contract would: balances never go
// negative, a charge nonce is consumed once (only by a successful charge), and the monthly spending
// limit is enforced on-chain as well as by the billing core.
import { randomBytes } from "node:crypto";
import { toBase58 } from "@mysten/sui/utils";
import { and, eq, gte, inArray, sql } from "drizzle-orm";
import type { Database, Transaction } from "#db/client.ts";
import { mockChainAccounts, mockChainEvents, mockChainTransactions } from "#db/schema/index.ts";
import { monthStart } from "./billing/calendar.ts";
import type { Clock } from "./clock.ts";
import {
  ChainRejectedError,
  type ChainTransaction,
  type ChargeOutcome,
  type EscrowAccountInfo,
  type EscrowTxKind,
  type SimulatedWallet,
  type SuiGateway,
} from "./sui-gateway.ts";

/** The address Suiftly's operator key signs charges with on the simulated chain. */
export const MOCK_OPERATOR_ADDRESS = `0x${"5f".repeat(32)}`;

function newDigest(): string {
  return toBase58(randomBytes(32));
}

function newObjectId(): string {
  return `0x${randomBytes(32).toString("hex")}`;
}

type AccountRow = typeof mockChainAccounts.$inferSelect;
type TxRow = typeof mockChainTransactions.$inferSelect;

function toAccount(row: AccountRow): EscrowAccountInfo {
  return {
    objectId: row.objectId,
    owner: row.ownerAddress,
    balanceCents: row.balanceCents,
    spendingLimitCents: row.spendingLimitCents,
    version: row.version,
  };
}

function toTransaction(row: TxRow): ChainTransaction {
  return {
    digest: row.digest,
    kind: row.kind as EscrowTxKind,
    accountObjectId: row.accountObjectId,
    sender: row.sender,
    amountCents: row.amountCents,
    status: row.status,
    error: row.error,
    nonce: row.nonce,
    balanceAfterCents: row.balanceAfterCents,
    accountVersion: row.accountVersion,
    executedAt: row.createdAt,
  };
}

function assertPositiveCents(amountCents: number): void {
  if (!Number.isSafeInteger(amountCents) || amountCents <= 0) {
    throw new ChainRejectedError("invalid_amount", "Amount must be a positive whole number of cents.");
  }
}

export class MockSuiGateway implements SuiGateway {
  readonly network = "mock" as const;
  readonly simulatedWallet: SimulatedWallet;
  private readonly db: Database;
  private readonly clock: Clock;

  constructor(db: Database, clock: Clock) {
    this.db = db;
    this.clock = clock;
    this.simulatedWallet = {
      openEscrowAccount: (owner, limit) => this.openEscrowAccount(owner, limit),
      deposit: (input) => this.transfer("deposit", input),
      withdraw: (input) => this.transfer("withdraw", input),
      setSpendingLimit: (input) => this.setSpendingLimit(input),
    };
  }

  async findEscrowAccount(owner: string): Promise<EscrowAccountInfo | null> {
    const [row] = await this.db
      .select()
      .from(mockChainAccounts)
      .where(eq(mockChainAccounts.ownerAddress, owner));
    return row ? toAccount(row) : null;
  }

  async getEscrowAccount(objectId: string): Promise<EscrowAccountInfo | null> {
    const [row] = await this.db
      .select()
      .from(mockChainAccounts)
      .where(eq(mockChainAccounts.objectId, objectId));
    return row ? toAccount(row) : null;
  }

  async getEscrowBalances(
    objectIds: string[],
  ): Promise<Map<string, { balanceCents: number; version: number }>> {
    if (objectIds.length === 0) return new Map();
    const rows = await this.db
      .select({
        objectId: mockChainAccounts.objectId,
        balanceCents: mockChainAccounts.balanceCents,
        version: mockChainAccounts.version,
      })
      .from(mockChainAccounts)
      .where(inArray(mockChainAccounts.objectId, objectIds));
    return new Map(
      rows.map((row) => [row.objectId, { balanceCents: row.balanceCents, version: row.version }]),
    );
  }

  async getTransaction(digest: string): Promise<ChainTransaction | null> {
    const [row] = await this.db
      .select()
      .from(mockChainTransactions)
      .where(eq(mockChainTransactions.digest, digest));
    return row ? toTransaction(row) : null;
  }

  async findChargeByNonce(accountObjectId: string, nonce: string): Promise<ChainTransaction | null> {
    const [row] = await this.db
      .select()
      .from(mockChainTransactions)
      .where(
        and(
          eq(mockChainTransactions.accountObjectId, accountObjectId),
          eq(mockChainTransactions.nonce, nonce),
          eq(mockChainTransactions.kind, "charge"),
        ),
      );
    return row ? toTransaction(row) : null;
  }

  async charge(input: {
    accountObjectId: string;
    amountCents: number;
    nonce: string;
  }): Promise<ChargeOutcome> {
    assertPositiveCents(input.amountCents);
    return this.db.transaction(async (tx) => {
      const account = await this.lockAccount(tx, eq(mockChainAccounts.objectId, input.accountObjectId));
      if (!account) return { status: "failure", reason: "no_account", message: "No escrow account." };
      const [previous] = await tx
        .select()
        .from(mockChainTransactions)
        .where(
          and(
            eq(mockChainTransactions.accountObjectId, account.objectId),
            eq(mockChainTransactions.nonce, input.nonce),
          ),
        );
      if (previous) return { status: "success", transaction: toTransaction(previous) };

      const now = this.clock.now();
      const [spent] = await tx
        .select({ cents: sql<string>`coalesce(sum(${mockChainTransactions.amountCents}), 0)` })
        .from(mockChainTransactions)
        .where(
          and(
            eq(mockChainTransactions.accountObjectId, account.objectId),
            eq(mockChainTransactions.kind, "charge"),
            eq(mockChainTransactions.status, "success"),
            gte(mockChainTransactions.createdAt, monthStart(now)),
          ),
        );
      let failure: Extract<ChargeOutcome, { status: "failure" }> | undefined;
      if (Number(spent?.cents ?? 0) + input.amountCents > account.spendingLimitCents) {
        failure = { status: "failure", reason: "limit_exceeded", message: "Monthly spending limit reached." };
      } else if (account.balanceCents < input.amountCents) {
        failure = {
          status: "failure",
          reason: "insufficient_balance",
          message: "Insufficient escrow balance.",
        };
      }
      if (failure) {
        // A failed transaction still lands on chain, but it does not consume the nonce.
        await this.insertTransaction(tx, {
          kind: "charge",
          account,
          sender: MOCK_OPERATOR_ADDRESS,
          amountCents: input.amountCents,
          nonce: null,
          status: "failure",
          error: failure.reason,
          balanceAfterCents: account.balanceCents,
          accountVersion: account.version,
          now,
          event: { nonce: input.nonce },
        });
        return failure;
      }
      const balanceAfterCents = account.balanceCents - input.amountCents;
      await tx
        .update(mockChainAccounts)
        .set({ balanceCents: balanceAfterCents, version: account.version + 1 })
        .where(eq(mockChainAccounts.objectId, account.objectId));
      const transaction = await this.insertTransaction(tx, {
        kind: "charge",
        account,
        sender: MOCK_OPERATOR_ADDRESS,
        amountCents: input.amountCents,
        nonce: input.nonce,
        status: "success",
        error: null,
        balanceAfterCents,
        accountVersion: account.version + 1,
        now,
      });
      return { status: "success", transaction };
    });
  }

  private async openEscrowAccount(owner: string, spendingLimitCents: number): Promise<EscrowAccountInfo> {
    return this.db.transaction(async (tx) => {
      const [existing] = await tx
        .select()
        .from(mockChainAccounts)
        .where(eq(mockChainAccounts.ownerAddress, owner));
      if (existing) return toAccount(existing);
      const now = this.clock.now();
      const [created] = await tx
        .insert(mockChainAccounts)
        .values({ objectId: newObjectId(), ownerAddress: owner, spendingLimitCents, createdAt: now })
        .onConflictDoNothing()
        .returning();
      if (!created) {
        const [raced] = await tx
          .select()
          .from(mockChainAccounts)
          .where(eq(mockChainAccounts.ownerAddress, owner));
        if (!raced) throw new Error("escrow account vanished");
        return toAccount(raced);
      }
      await this.insertTransaction(tx, {
        kind: "open_account",
        account: created,
        sender: owner,
        amountCents: 0,
        nonce: null,
        status: "success",
        error: null,
        balanceAfterCents: 0,
        accountVersion: created.version,
        now,
      });
      return toAccount(created);
    });
  }

  private async transfer(
    kind: "deposit" | "withdraw",
    input: { owner: string; amountCents: number; requestId: string },
  ): Promise<{ digest: string }> {
    assertPositiveCents(input.amountCents);
    return this.db.transaction(async (tx) => {
      const account = await this.lockAccount(tx, eq(mockChainAccounts.ownerAddress, input.owner));
      if (!account) throw new ChainRejectedError("no_account", "This wallet has no escrow account.");
      const nonce = `${kind}:${input.requestId}`;
      const [previous] = await tx
        .select({ digest: mockChainTransactions.digest })
        .from(mockChainTransactions)
        .where(
          and(
            eq(mockChainTransactions.accountObjectId, account.objectId),
            eq(mockChainTransactions.nonce, nonce),
          ),
        );
      if (previous) return previous;
      const delta = kind === "deposit" ? input.amountCents : -input.amountCents;
      const balanceAfterCents = account.balanceCents + delta;
      if (balanceAfterCents < 0) {
        throw new ChainRejectedError("insufficient_balance", "The escrow balance is lower than the amount.");
      }
      await tx
        .update(mockChainAccounts)
        .set({ balanceCents: balanceAfterCents, version: account.version + 1 })
        .where(eq(mockChainAccounts.objectId, account.objectId));
      const transaction = await this.insertTransaction(tx, {
        kind,
        account,
        sender: input.owner,
        amountCents: input.amountCents,
        nonce,
        status: "success",
        error: null,
        balanceAfterCents,
        accountVersion: account.version + 1,
        now: this.clock.now(),
      });
      return { digest: transaction.digest };
    });
  }

  private async setSpendingLimit(input: { owner: string; limitCents: number }): Promise<{ digest: string }> {
    return this.db.transaction(async (tx) => {
      const account = await this.lockAccount(tx, eq(mockChainAccounts.ownerAddress, input.owner));
      if (!account) throw new ChainRejectedError("no_account", "This wallet has no escrow account.");
      await tx
        .update(mockChainAccounts)
        .set({ spendingLimitCents: input.limitCents, version: account.version + 1 })
        .where(eq(mockChainAccounts.objectId, account.objectId));
      const transaction = await this.insertTransaction(tx, {
        kind: "set_spending_limit",
        account,
        sender: input.owner,
        amountCents: 0,
        nonce: null,
        status: "success",
        error: null,
        balanceAfterCents: account.balanceCents,
        accountVersion: account.version + 1,
        now: this.clock.now(),
        event: { limitCents: input.limitCents },
      });
      return { digest: transaction.digest };
    });
  }

  private async lockAccount(tx: Transaction, where: ReturnType<typeof eq>): Promise<AccountRow | undefined> {
    const [row] = await tx.select().from(mockChainAccounts).where(where).for("update");
    return row;
  }

  private async insertTransaction(
    tx: Transaction,
    input: {
      kind: EscrowTxKind;
      account: AccountRow;
      sender: string;
      amountCents: number;
      nonce: string | null;
      status: "success" | "failure";
      error: string | null;
      balanceAfterCents: number;
      /** The account's version after the transaction (unchanged when it failed). */
      accountVersion: number;
      now: Date;
      event?: Record<string, unknown>;
    },
  ): Promise<ChainTransaction> {
    const [row] = await tx
      .insert(mockChainTransactions)
      .values({
        digest: newDigest(),
        kind: input.kind,
        accountObjectId: input.account.objectId,
        sender: input.sender,
        amountCents: input.amountCents,
        nonce: input.nonce,
        status: input.status,
        error: input.error,
        balanceAfterCents: input.balanceAfterCents,
        accountVersion: input.accountVersion,
        createdAt: input.now,
      })
      .returning();
    if (!row) throw new Error("mock chain transaction was not stored");
    await tx.insert(mockChainEvents).values({
      digest: row.digest,
      type: `escrow::${input.kind}${input.status === "failure" ? "_failed" : ""}`,
      payload: {
        account: input.account.objectId,
        amountCents: input.amountCents,
        balanceAfterCents: input.balanceAfterCents,
        ...input.event,
      },
      createdAt: input.now,
    });
    return toTransaction(row);
  }
}
