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
      })
      .from(escrowAccounts);
    let refreshed = 0;
    const grew: number[] = [];
    for (let i = 0; i < accounts.length && !signal.aborted; i += CHUNK) {
      const chunk = accounts.slice(i, i + CHUNK);
      const readAt = clock.now();
      const balances = await gateway.getEscrowBalances(chunk.map((account) => account.objectId));
      const changed = chunk.filter(
        (account) =>
          balances.has(account.objectId) && balances.get(account.objectId) !== account.balanceCents,
      );
      if (changed.length > 0) {
        // One statement per chunk; a reading fresher than ours (a deposit just recorded) wins.
        const values = sql.join(
          changed.map(
            (account) => sql`(${account.customerId}::int, ${balances.get(account.objectId)}::bigint)`,
          ),
          sql`, `,
        );
        await db.execute(sql`
          update escrow_accounts e set balance_cents = v.balance, balance_refreshed_at = ${readAt}
            from (values ${values}) as v(customer_id, balance)
           where e.customer_id = v.customer_id
             and (e.balance_refreshed_at is null or e.balance_refreshed_at <= ${readAt})`);
      }
      refreshed += balances.size;
      for (const account of changed) {
        if ((balances.get(account.objectId) ?? 0) > account.balanceCents) grew.push(account.customerId);
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
