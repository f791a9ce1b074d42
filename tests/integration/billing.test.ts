// Deposits, withdrawals, the spending limit and invoices over real HTTP: bad input is refused
// with field errors and records nothing; customers only ever see their own invoices.
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { charge } from "#app/domain/billing/charge.ts";
import { queryRows } from "#db/client.ts";
import { serviceInstances } from "#db/schema/index.ts";
import { startTestApp, type TestApp } from "#tests/support/app.ts";
import { withTestDatabase } from "#tests/support/database.ts";
import { type CookieJar, postJson, request, signIn } from "#tests/support/http.ts";

const database = withTestDatabase();
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ database: database.current.handle });
});
afterAll(async () => {
  await app?.close();
});

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

async function postForm(path: string, jar: CookieJar, fields: Record<string, string>) {
  return request(app, "POST", path, form(fields), {
    jar,
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" },
  });
}

const transfer = (jar: CookieJar, intent: "deposit" | "withdraw", amount: string, requestId = randomUUID()) =>
  postForm("/billing", jar, { intent, amount, requestId });

async function money(customerId: number) {
  const [row] = await queryRows<{ balance: string | null; ledger: number; chain: string | null }>(
    database.current.handle.db,
    sql`select (select balance_cents from escrow_accounts where customer_id = ${customerId}) as balance,
               (select count(*)::int from escrow_transactions where customer_id = ${customerId}) as ledger,
               (select a.balance_cents from mock_chain_accounts a join customers c on c.wallet_address = a.owner_address
                 where c.customer_id = ${customerId}) as chain`,
  );
  return { balance: Number(row?.balance ?? 0), ledger: row?.ledger ?? 0, chain: Number(row?.chain ?? 0) };
}

describe("deposit and withdraw (mock chain, plain forms)", () => {
  it("deposits, withdraws and shows the result after a redirect", async () => {
    const { jar, customerId } = await signIn(app);
    const deposited = await transfer(jar, "deposit", "100");
    expect(deposited.status).toBe(302);
    expect(deposited.headers.get("location")).toBe("/billing");
    const page = await request(app, "GET", "/billing", undefined, { jar, headers: { accept: "text/html" } });
    const html = await page.text();
    expect(html).toContain("Deposited $100.00.");
    expect(await money(customerId)).toEqual({ balance: 10_000, ledger: 1, chain: 10_000 });

    expect((await transfer(jar, "withdraw", "30")).status).toBe(302);
    expect(await money(customerId)).toEqual({ balance: 7_000, ledger: 2, chain: 7_000 });
    const activity = await queryRows(
      database.current.handle.db,
      sql`select action, summary from activity_log where customer_id = ${customerId} and kind in ('deposit', 'withdraw') order by id`,
    );
    expect(activity).toEqual([
      { action: "escrow.deposit", summary: "Deposited $100.00" },
      { action: "escrow.withdraw", summary: "Withdrew $30.00" },
    ]);
  });

  it.each([
    ["0", /more than \$0/],
    ["-5", /at most 2 decimals/],
    ["12.345", /at most 2 decimals/],
    ["abc", /at most 2 decimals/],
    ["1000000.01", /at most \$1,000,000\.00/],
    ["", /required/],
  ])("refuses the amount %j with 400 and records nothing", async (amount, message) => {
    const { jar, customerId } = await signIn(app);
    expect((await transfer(jar, "deposit", "20")).status).toBe(302);
    const before = await money(customerId);
    for (const intent of ["deposit", "withdraw"] as const) {
      const response = await transfer(jar, intent, amount);
      expect(response.status).toBe(400);
      expect(await response.text()).toMatch(message);
    }
    expect(await money(customerId)).toEqual(before);
  });

  it("refuses a withdrawal over the balance", async () => {
    const { jar, customerId } = await signIn(app);
    await transfer(jar, "deposit", "25");
    const response = await transfer(jar, "withdraw", "25.01");
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("You can withdraw at most $25.00.");
    expect(await money(customerId)).toEqual({ balance: 2_500, ledger: 1, chain: 2_500 });
  });

  it("keeps $50 in escrow while a service is enabled, saying how much is available", async () => {
    const { jar, customerId } = await signIn(app);
    await transfer(jar, "deposit", "80");
    await database.current.handle.db
      .insert(serviceInstances)
      .values({ customerId, serviceType: "seal", state: "active", tier: "starter" });
    const refused = await transfer(jar, "withdraw", "40");
    expect(refused.status).toBe(400);
    const html = (await refused.text()).replaceAll("<!-- -->", "");
    expect(html).toContain(
      "While a service is enabled the balance may not drop under $50.00: you can withdraw at most $30.00.",
    );
    // The form says so before anyone tries.
    expect(html).toContain("Up to $30.00 available now.");
    expect(html).toContain("While a service is enabled, $50.00 stays in escrow.");
    expect((await transfer(jar, "withdraw", "30")).status).toBe(302);
    expect(await money(customerId)).toEqual({ balance: 5_000, ledger: 2, chain: 5_000 });
  });

  it("credits a form submitted twice only once", async () => {
    const { jar, customerId } = await signIn(app);
    const requestId = randomUUID();
    const [first, second] = await Promise.all([
      transfer(jar, "deposit", "10", requestId),
      transfer(jar, "deposit", "10", requestId),
    ]);
    expect([first.status, second.status]).toEqual([302, 302]);
    expect(await money(customerId)).toEqual({ balance: 1_000, ledger: 1, chain: 1_000 });
  });

  it("refuses unknown intents, missing request ids, and visitors who are not signed in", async () => {
    const { jar, customerId } = await signIn(app);
    expect((await postForm("/billing", jar, { intent: "steal", amount: "1" })).status).toBe(400);
    const noId = await postForm("/billing", jar, { intent: "deposit", amount: "1" });
    expect(noId.status).toBe(400);
    expect(await money(customerId)).toEqual({ balance: 0, ledger: 0, chain: 0 });
    const anonymous = await request(
      app,
      "POST",
      "/billing",
      form({ intent: "deposit", amount: "5", requestId: randomUUID() }),
      {
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" },
      },
    );
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("location")).toMatch(/^\/login\?redirectTo=/);
  });
});

describe("POST /billing/transactions (record by digest)", () => {
  it("records a wallet-executed deposit once, however often it is posted", async () => {
    const { jar, customerId, address } = await signIn(app);
    await transfer(jar, "deposit", "1"); // opens the escrow account
    const wallet = app.services.gateway.simulatedWallet;
    if (!wallet) throw new Error("mock only");
    const { digest } = await wallet.deposit({ owner: address, amountCents: 4_200, requestId: randomUUID() });
    const first = await postJson(app, "/billing/transactions", { kind: "deposit", digest }, { jar });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ recorded: true, amountCents: 4_200 });
    const again = await postJson(app, "/billing/transactions", { kind: "deposit", digest }, { jar });
    expect(await again.json()).toMatchObject({ recorded: false });
    expect(await money(customerId)).toEqual({ balance: 4_300, ledger: 2, chain: 4_300 });
  });

  it("refuses malformed digests, someone else's transaction and anonymous callers", async () => {
    const alice = await signIn(app);
    const bob = await signIn(app);
    await transfer(alice.jar, "deposit", "5");
    await transfer(bob.jar, "deposit", "5");
    const wallet = app.services.gateway.simulatedWallet;
    if (!wallet) throw new Error("mock only");
    const { digest } = await wallet.deposit({
      owner: alice.address,
      amountCents: 900,
      requestId: randomUUID(),
    });
    const before = await money(bob.customerId);

    const malformed = await postJson(
      app,
      "/billing/transactions",
      { kind: "deposit", digest: "xyz" },
      { jar: bob.jar },
    );
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { fields: object } }).error.fields).toHaveProperty("digest");
    const foreign = await postJson(
      app,
      "/billing/transactions",
      { kind: "deposit", digest },
      { jar: bob.jar },
    );
    expect(foreign.status).toBe(400);
    const wrongKind = await postJson(
      app,
      "/billing/transactions",
      { kind: "withdraw", digest },
      { jar: alice.jar },
    );
    expect(wrongKind.status).toBe(400);
    const anonymous = await postJson(app, "/billing/transactions", { kind: "deposit", digest });
    expect(anonymous.status).toBe(401);
    expect(await money(bob.customerId)).toEqual(before);
  });
});

describe("invoices", () => {
  it("show a customer their own invoice, and 404 for anyone else's or a malformed id", async () => {
    const alice = await signIn(app);
    const bob = await signIn(app);
    await transfer(alice.jar, "deposit", "50");
    const { db, gateway, clock } = app.services;
    const result = await charge(
      { db, gateway, clock },
      {
        customerId: alice.customerId,
        kind: "subscription",
        idempotencyKey: randomUUID(),
        lines: [
          {
            serviceType: "seal",
            itemType: "tier",
            description: "Seal Pro plan",
            quantity: 1,
            unitPriceCents: 4_000,
            amountCents: 4_000,
          },
        ],
        description: "Seal Pro",
        retryOnFailure: false,
      },
    );
    if (result.status !== "paid") throw new Error("charge failed");
    const own = await request(app, "GET", `/billing/invoices/${result.invoiceId}`, undefined, {
      jar: alice.jar,
      headers: { accept: "text/html" },
    });
    expect(own.status).toBe(200);
    const html = await own.text();
    expect(html).toContain("Seal Pro plan");
    expect(html).toContain(result.digest ?? "no digest");
    expect(html).toContain("$40.00");

    for (const path of [
      `/billing/invoices/${result.invoiceId}`,
      "/billing/invoices/abc",
      "/billing/invoices/99999999",
    ]) {
      const response = await request(app, "GET", path, undefined, {
        jar: bob.jar,
        headers: { accept: "text/html" },
      });
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain("Seal Pro plan");
    }
    const billing = await request(app, "GET", "/billing", undefined, {
      jar: alice.jar,
      headers: { accept: "text/html" },
    });
    const page = await billing.text();
    expect(page).toContain(`/billing/invoices/${result.invoiceId}`);
    expect(page).toMatch(/Charged this month[\s\S]*\$40\.00/);
  });
});

describe("spending limit", () => {
  it.each(["99.99", "50000.01", "abc", ""])("refuses %j with 400 and changes nothing", async (limit) => {
    const { jar, customerId } = await signIn(app);
    const response = await postForm("/settings/spending-limit", jar, { limit });
    expect(response.status).toBe(400);
    const [row] = await queryRows<{ limit: string }>(
      database.current.handle.db,
      sql`select spending_limit_cents as limit from customers where customer_id = ${customerId}`,
    );
    expect(Number(row?.limit)).toBe(200_000);
  });

  it("sets the limit in the database and on chain", async () => {
    const { jar, customerId, address } = await signIn(app);
    await transfer(jar, "deposit", "1");
    expect((await postForm("/settings/spending-limit", jar, { limit: "100" })).status).toBe(302);
    expect((await postForm("/settings/spending-limit", jar, { limit: "50,000" })).status).toBe(302);
    const [row] = await queryRows<{ limit: string }>(
      database.current.handle.db,
      sql`select spending_limit_cents as limit from customers where customer_id = ${customerId}`,
    );
    expect(Number(row?.limit)).toBe(5_000_000);
    expect((await app.services.gateway.findEscrowAccount(address))?.spendingLimitCents).toBe(5_000_000);
  });
});

describe("banners and the next scheduled charge", () => {
  // React separates adjacent text nodes with empty comments; read the page as a person would.
  const page = async (jar: CookieJar) =>
    (
      await (
        await request(app, "GET", "/billing", undefined, { jar, headers: { accept: "text/html" } })
      ).text()
    ).replaceAll("<!-- -->", "");

  it("warn about a low balance and show next month's fees", async () => {
    const { jar, customerId } = await signIn(app);
    expect(await page(jar)).not.toContain("Low balance");
    await transfer(jar, "deposit", "9.99");
    expect(await page(jar)).toContain("Low balance: $9.99.");
    await transfer(jar, "deposit", "30");
    expect(await page(jar)).not.toContain("Low balance");
    // A Pro service costs $40 a month: $39.99 no longer covers next month.
    await database.current.handle.db
      .insert(serviceInstances)
      .values({ customerId, serviceType: "seal", state: "active", tier: "pro" });
    const html = await page(jar);
    expect(html).toContain("Low balance: $39.99.");
    expect(html).toContain("Next month&#x27;s fees are $40.00.");
    expect(html).toMatch(
      /Next scheduled charge[\s\S]*\$40\.00[\s\S]*Monthly fees, charged in advance on Dec 1, 2026/,
    );
  });

  it("show the amount due when a recurring charge failed", async () => {
    const { jar, customerId } = await signIn(app);
    await transfer(jar, "deposit", "5");
    const { db, gateway, clock } = app.services;
    const result = await charge(
      { db, gateway, clock },
      {
        customerId,
        kind: "subscription",
        idempotencyKey: randomUUID(),
        lines: [
          {
            serviceType: "grpc",
            itemType: "tier",
            description: "gRPC Starter plan",
            quantity: 1,
            unitPriceCents: 2_000,
            amountCents: 2_000,
          },
        ],
        description: "gRPC Starter",
        retryOnFailure: true,
      },
    );
    expect(result.status).toBe("refused");
    expect(await page(jar)).toContain("Payment overdue: $20.00.");
    // Depositing retries the invoice at once and clears the banner.
    await transfer(jar, "deposit", "20");
    const html = await page(jar);
    expect(html).not.toContain("Payment overdue");
    expect(html).toMatch(/Charged this month[\s\S]*\$20\.00/);
  });
});
