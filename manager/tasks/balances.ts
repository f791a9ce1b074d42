// Balances (spec §7.4): re-read every escrow balance from the chain, so deposits made outside the
// dashboard are seen, and retry the failed invoices of customers whose balance grew.
import { sql } from "drizzle-orm";
import { retryFailedInvoices } from "#app/domain/billing/charge.ts";
import { queryRows } from "#db/client.ts";
import { withCustomerLock } from "#db/customer-lock.ts";
import { escrowAccounts } from "#db/schema/index.ts";
import type { ManagerTask } from "../cycle.ts";

const CHUNK = 1_000;

export const balancesTask: ManagerTask = {
  name: "balances",
  async run({ db, database, gateway, clock, signal }) {
    const accounts = await db
      .select({
        customerId: escrowAccounts.customerId,
        objectId: escrowAccounts.objectId,
        balanceCents: escrowAccounts.balanceCents,
        balanceVersion: escrowAccounts.balanceVersion,
      })
      .from(escrowAccounts);
    let refreshed = 0;
    const grew: number[] = [];
    for (let i = 0; i < accounts.length && !signal.aborted; i += CHUNK) {
      const chunk = accounts.slice(i, i + CHUNK);
      const readAt = clock.now();
      const balances = await gateway.getEscrowBalances(chunk.map((account) => account.objectId));
      // Only object versions newer than the one we hold are news; an older reading (raced by a
      // charge that already stored a later version) must never overwrite it.
      const changed = chunk.filter(
        (account) => (balances.get(account.objectId)?.version ?? -1) > account.balanceVersion,
      );
      if (changed.length > 0) {
        // One statement per chunk; the version guard is re-checked in SQL because a charge may have
        // stored a newer version between our select and this update.
        const values = sql.join(
          changed.map((account) => {
            const reading = balances.get(account.objectId);
            return sql`(${account.customerId}::int, ${reading?.balanceCents}::bigint, ${reading?.version}::bigint)`;
          }),
          sql`, `,
        );
        await db.execute(sql`
          update escrow_accounts e
             set balance_cents = v.balance, balance_version = v.version, balance_refreshed_at = ${readAt}
            from (values ${values}) as v(customer_id, balance, version)
           where e.customer_id = v.customer_id
             and e.balance_version < v.version`);
      }
      refreshed += balances.size;
      for (const account of changed) {
        if ((balances.get(account.objectId)?.balanceCents ?? 0) > account.balanceCents)
          grew.push(account.customerId);
      }
    }
    let retried = 0;
    if (grew.length > 0) {
      const withFailed = await queryRows<{ customer_id: number }>(
        db,
        sql`select distinct customer_id from billing_records where status = 'failed' and customer_id in (${sql.join(grew, sql`, `)})`,
      );
      for (const { customer_id: customerId } of withFailed) {
        if (signal.aborted) break;
        retried += (
          await withCustomerLock(database, Number(customerId), () =>
            retryFailedInvoices({ db, gateway, clock }, Number(customerId)),
          )
        ).length;
      }
    }
    return { accounts: accounts.length, refreshed, retried };
  },
};
