import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { type BillingDeps, charge } from "#app/domain/billing/charge.ts";
import { fixedClock } from "#app/domain/clock.ts";
import { parseEnv } from "#app/lib/env.server.ts";
import { createLogger } from "#app/lib/logger.server.ts";
import { billingRecords } from "#db/schema/index.ts";
import { cachedBalance, fundedCustomer, line } from "#tests/support/billing.ts";
import { withTestDatabase } from "#tests/support/database.ts";
import { serviceDeps } from "#tests/support/deps.ts";
import { runCycle } from "../cycle.ts";
import { balancesTask } from "./balances.ts";

const database = withTestDatabase();
const clock = fixedClock("2026-11-20T08:00:00Z");
let deps: BillingDeps;

beforeAll(() => {
  deps = serviceDeps(database.current.handle, clock);
});

function cycleDeps() {
  const handle = database.current.handle;
  return {
    ...deps,
    database: handle,
    env: parseEnv({ APP_ENV: "test" }),
    logger: createLogger({ level: "silent" }),
  };
}

describe("balances task", () => {
  it("picks up deposits made outside the dashboard and retries failed invoices with them", async () => {
    const customer = await fundedCustomer(deps, 500);
    const result = await charge(deps, {
      customerId: customer.customerId,
      kind: "subscription",
      idempotencyKey: "sub:2026-11",
      lines: [line(2_000)],
      description: "Seal Starter",
      retryOnFailure: true,
    });
    expect(result.status).toBe("refused");

    // The customer deposits straight from their wallet: the dashboard never saw it.
    const wallet = deps.gateway.simulatedWallet;
    if (!wallet) throw new Error("mock only");
    await wallet.deposit({ owner: customer.walletAddress, amountCents: 5_000, requestId: randomUUID() });
    expect(await cachedBalance(deps.db, customer.customerId)).toBe(500);

    const cycle = await runCycle(cycleDeps(), [balancesTask]);
    expect(cycle.status).toBe("ok");
    expect(cycle.tasks[0]?.detail).toMatchObject({ refreshed: 1, retried: 1 });
    const [invoice] = await deps.db
      .select()
      .from(billingRecords)
      .where(eq(billingRecords.id, result.invoiceId));
    expect(invoice?.status).toBe("paid");
    expect(await cachedBalance(deps.db, customer.customerId)).toBe(3_500);

    // Running it again changes nothing.
    const again = await runCycle(cycleDeps(), [balancesTask]);
    expect(again.tasks[0]?.detail).toMatchObject({ refreshed: 1, retried: 0 });
    expect(await cachedBalance(deps.db, customer.customerId)).toBe(3_500);
  });
});
