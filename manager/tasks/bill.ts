// Bill (spec §7.3): per customer, under the customer's lock, in its own transactions, with chain
// calls outside them: finish charges a crash left pending, apply ended cancellations, open every
// month not yet opened (catching up missed month boundaries one by one), invoice usage past $5,
// retry failed invoices, suspend or restore, and purge services cancelled 7 days ago.
import { reconcile, retryFailedInvoices } from "#app/domain/billing/charge.ts";
import {
  applyDueCancellations,
  customersToReview,
  customersWithMonthsToOpen,
  customersWithUsageDue,
  invoiceUsageIfDue,
  openMonth,
  purgeCancelledServices,
  updateStanding,
} from "#app/domain/billing/subscriptions.ts";
import { withCustomerLock } from "#db/customer-lock.ts";
import type { ManagerTask } from "../cycle.ts";

export const billTask: ManagerTask = {
  name: "bill",
  async run({ db, database, gateway, clock, logger, signal }) {
    const deps = { db, database, gateway, clock };
    const now = clock.now();
    const counts = {
      reconciled: (await reconcile(deps)).settled,
      cancelled: await applyDueCancellations(db, now),
      monthsOpened: 0,
      usageInvoices: 0,
      retried: 0,
      suspended: 0,
      restored: 0,
      purged: 0,
      errors: 0,
    };
    // One customer's failure (say, a chain error) must not stop everyone else's billing.
    const forEach = async (ids: number[], work: (id: number) => Promise<void>) => {
      for (const id of ids) {
        if (signal.aborted) return;
        try {
          await work(id);
        } catch (error) {
          counts.errors++;
          logger.error({ err: error, customerId: id }, "billing a customer failed; will retry next cycle");
        }
      }
    };

    const toOpen = await customersWithMonthsToOpen(db, now);
    await forEach(
      toOpen.map((entry) => entry.customerId),
      async (customerId) => {
        for (const month of toOpen.find((entry) => entry.customerId === customerId)?.months ?? []) {
          await openMonth(deps, customerId, month);
          counts.monthsOpened++;
        }
      },
    );
    await forEach(await customersWithUsageDue(db, now), async (customerId) => {
      if (await invoiceUsageIfDue(deps, customerId, now)) counts.usageInvoices++;
    });
    const review = await customersToReview(db);
    await forEach(review, async (customerId) => {
      counts.retried += (
        await withCustomerLock(database, customerId, () => retryFailedInvoices(deps, customerId))
      ).length;
    });
    await forEach(review, async (customerId) => {
      const change = await updateStanding(deps, customerId, now);
      if (change === "suspended") counts.suspended++;
      if (change === "restored") counts.restored++;
    });
    counts.purged = await purgeCancelledServices(db, now);
    if (counts.errors > 0) throw new Error(`billing failed for ${counts.errors} customer(s); see the log`);
    return counts;
  },
};
