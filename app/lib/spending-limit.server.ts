// Changing the monthly spending limit: on chain (the escrow contract enforces it too) and in the
// database the billing core reads, then logged.
import { eq } from "drizzle-orm";
import { recordActivity } from "#app/domain/activity.ts";
import { getEscrowAccount } from "#app/domain/escrow.ts";
import { formatCents } from "#app/domain/money.ts";
import { customers } from "#db/schema/index.ts";
import type { AppServices } from "./services.server.ts";

export async function changeSpendingLimit(
  services: AppServices,
  input: { customerId: number; walletAddress: string; limitCents: number; ip: string },
): Promise<{ ok: true; previousCents: number } | { ok: false; message: string }> {
  const [customer] = await services.db
    .select({ spendingLimitCents: customers.spendingLimitCents })
    .from(customers)
    .where(eq(customers.customerId, input.customerId));
  if (!customer) return { ok: false, message: "Unknown account." };
  if (await getEscrowAccount(services.db, input.customerId)) {
    const wallet = services.gateway.simulatedWallet;
    if (!wallet) return { ok: false, message: "On this network the limit is changed from your wallet." };
    await wallet.setSpendingLimit({ owner: input.walletAddress, limitCents: input.limitCents });
  }
  const now = services.clock.now();
  await services.db.transaction(async (tx) => {
    await tx
      .update(customers)
      .set({ spendingLimitCents: input.limitCents, updatedAt: now })
      .where(eq(customers.customerId, input.customerId));
    await recordActivity(tx, {
      customerId: input.customerId,
      kind: "billing",
      action: "billing.spending_limit",
      summary: `Changed the monthly spending limit from ${formatCents(customer.spendingLimitCents)} to ${formatCents(input.limitCents)}`,
      details: { previousCents: customer.spendingLimitCents, limitCents: input.limitCents },
      actorAddress: input.walletAddress,
      ip: input.ip,
      at: now,
    });
  });
  return { ok: true, previousCents: customer.spendingLimitCents };
}
