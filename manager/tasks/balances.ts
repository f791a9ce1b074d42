// Balances (spec §7.4): re-read every escrow balance from the chain, so deposits made outside the
// dashboard are seen; finish charges a crash left pending; retry the failed invoices of customers
// whose balance grew.
import { and, eq, sql } from "drizzle-orm";
import { reconcile, retryFailedInvoices } from "#app/domain/billing/charge.ts";
import { storeBalance } from "#app/domain/escrow.ts";
import { billingRecords, escrowAccounts } from "#db/schema/index.ts";
import type { ManagerTask } from "../cycle.ts";

export const balancesTask: ManagerTask = {
  name: "balances",
  async run({ db, gateway, clock, signal }) {
    const reconciled = await reconcile({ db, gateway, clock });
    const accounts = await db.select().from(escrowAccounts);
    let refreshed = 0;
    let retried = 0;
    for (const account of accounts) {
      if (signal.aborted) break;
      const readAt = clock.now();
      const onChain = await gateway.getEscrowAccount(account.objectId);
      if (!onChain) continue;
      await storeBalance(db, account.customerId, onChain.balanceCents, readAt);
      refreshed++;
      if (onChain.balanceCents > account.balanceCents) {
        const [failed] = await db
          .select({ n: sql<number>`count(*)::int` })
          .from(billingRecords)
          .where(and(eq(billingRecords.customerId, account.customerId), eq(billingRecords.status, "failed")));
        if ((failed?.n ?? 0) > 0) {
          retried += (await retryFailedInvoices({ db, gateway, clock }, account.customerId)).length;
        }
      }
    }
    return { accounts: accounts.length, refreshed, reconciled: reconciled.settled, retried };
  },
};
