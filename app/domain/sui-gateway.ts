// SuiGateway: the only code that knows about the chain (spec §2.7). Billing and pages call these
// operations; whether a real network or the simulated `mock` ledger answers is invisible to them.
import type { Clock } from "./clock.ts";

export type EscrowTxKind =
  | "deposit"
  | "withdraw"
  | "charge"
  | "credit"
  | "open_account"
  | "set_spending_limit";

export interface EscrowAccountInfo {
  objectId: string;
  owner: string;
  balanceCents: number;
  spendingLimitCents: number;
  /** The object's version: it grows with every change, so readings can be ordered. */
  version: number;
}

/** A chain transaction touching an escrow account, as the chain reports it. */
export interface ChainTransaction {
  digest: string;
  kind: EscrowTxKind;
  accountObjectId: string;
  /** The wallet that signed it (the customer for deposits/withdrawals, Suiftly for charges). */
  sender: string;
  amountCents: number;
  status: "success" | "failure";
  error: string | null;
  /** Charges carry the invoice id as nonce. */
  nonce: string | null;
  balanceAfterCents: number;
  /** The escrow object's version after this transaction. */
  accountVersion: number;
  executedAt: Date;
}

export type ChargeOutcome =
  | { status: "success"; transaction: ChainTransaction }
  | { status: "failure"; reason: "insufficient_balance" | "limit_exceeded" | "no_account"; message: string };

export interface SuiGateway {
  readonly network: "mock" | "testnet" | "mainnet";
  findEscrowAccount(owner: string): Promise<EscrowAccountInfo | null>;
  getEscrowAccount(objectId: string): Promise<EscrowAccountInfo | null>;
  /** Balances of many escrow accounts at once (the manager refreshes them all every cycle). */
  getEscrowBalances(objectIds: string[]): Promise<Map<string, { balanceCents: number; version: number }>>;
  /** Look a transaction up by digest (to verify what a wallet says it executed). */
  getTransaction(digest: string): Promise<ChainTransaction | null>;
  /**
   * Charge the escrow for an invoice. Idempotent by nonce: a second charge with the same nonce
   * returns the first successful result and moves no money.
   */
  charge(input: { accountObjectId: string; amountCents: number; nonce: string }): Promise<ChargeOutcome>;
  findChargeByNonce(accountObjectId: string, nonce: string): Promise<ChainTransaction | null>;
  /**
   * What the customer's wallet does itself on a real network. Only the mock gateway can act for
   * the wallet, which is what lets mock-mode deposit/withdraw/limit forms work without JavaScript.
   */
  readonly simulatedWallet: SimulatedWallet | null;
}

export interface SimulatedWallet {
  /** Create the escrow object for a wallet (idempotent: returns the existing one). */
  openEscrowAccount(owner: string, spendingLimitCents: number): Promise<EscrowAccountInfo>;
  /** `requestId` makes a retried submission return the first transaction instead of a second one. */
  deposit(input: { owner: string; amountCents: number; requestId: string }): Promise<{ digest: string }>;
  withdraw(input: { owner: string; amountCents: number; requestId: string }): Promise<{ digest: string }>;
  setSpendingLimit(input: { owner: string; limitCents: number }): Promise<{ digest: string }>;
}

export class ChainRejectedError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.name = "ChainRejectedError";
    this.reason = reason;
  }
}

export type GatewayFactoryInput = { network: "mock" | "testnet" | "mainnet"; clock: Clock };

export class UnsupportedNetworkError extends Error {
  constructor(network: string) {
    super(
      `SUI_NETWORK=${network} needs the Sui chain adapter, which is not built yet. ` +
        "Run with SUI_NETWORK=mock (the simulated escrow ledger) until it exists.",
    );
    this.name = "UnsupportedNetworkError";
  }
}
