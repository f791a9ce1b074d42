// Deposit and withdraw with the simulated wallet (mock chain): the same server-side path a real
// wallet transaction takes — the gateway executes, then the app verifies it by digest and records
// it once. With a real network the browser wallet executes and posts the digest instead.
import { retryFailedInvoices } from "#app/domain/billing/charge.ts";
import {
  customerWallet,
  EscrowError,
  ensureEscrowAccount,
  recordTransfer,
  withdrawalAllowance,
  withdrawalRefusal,
} from "#app/domain/escrow.ts";
import { formatCents } from "#app/domain/money.ts";
import { ChainRejectedError } from "#app/domain/sui-gateway.ts";
import type { AppServices } from "./services.server.ts";

export type TransferOutcome =
  | { ok: true; recorded: boolean; amountCents: number; digest: string }
  | { ok: false; field: "amount" | "form"; message: string };

export async function transferWithSimulatedWallet(
  services: AppServices,
  input: {
    customerId: number;
    kind: "deposit" | "withdraw";
    amountCents: number;
    requestId: string;
    ip: string;
  },
): Promise<TransferOutcome> {
  const wallet = services.gateway.simulatedWallet;
  if (!wallet) {
    return {
      ok: false,
      field: "form",
      message: "On this network, deposits and withdrawals are signed in your wallet.",
    };
  }
  const customer = await customerWallet(services.db, input.customerId);
  try {
    if (input.kind === "deposit") {
      await ensureEscrowAccount(services, customer);
      const { digest } = await wallet.deposit({
        owner: customer.walletAddress,
        amountCents: input.amountCents,
        requestId: input.requestId,
      });
      const result = await recordTransfer(services, { ...customer, digest, kind: "deposit", ip: input.ip });
      // Billing rule 4: failed invoices are retried immediately after a deposit.
      if (result.recorded) await retryFailedInvoices(services, customer.customerId);
      return { ok: true, recorded: result.recorded, amountCents: result.transaction.amountCents, digest };
    }
    const allowance = await withdrawalAllowance(services.db, customer.customerId);
    const refusal = withdrawalRefusal(allowance, input.amountCents);
    if (refusal) return { ok: false, field: "amount", message: refusal };
    const { digest } = await wallet.withdraw({
      owner: customer.walletAddress,
      amountCents: input.amountCents,
      requestId: input.requestId,
    });
    const result = await recordTransfer(services, { ...customer, digest, kind: "withdraw", ip: input.ip });
    return { ok: true, recorded: result.recorded, amountCents: result.transaction.amountCents, digest };
  } catch (error) {
    if (error instanceof ChainRejectedError || error instanceof EscrowError) {
      return {
        ok: false,
        field: error instanceof ChainRejectedError ? "amount" : "form",
        message: error.message,
      };
    }
    throw error;
  }
}

export function transferNotice(
  kind: "deposit" | "withdraw",
  outcome: Extract<TransferOutcome, { ok: true }>,
) {
  if (!outcome.recorded) return `This ${kind === "deposit" ? "deposit" : "withdrawal"} was already recorded.`;
  return `${kind === "deposit" ? "Deposited" : "Withdrew"} ${formatCents(outcome.amountCents)}.`;
}
