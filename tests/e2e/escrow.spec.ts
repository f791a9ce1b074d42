import { type Browser, expect, type Page, test } from "@playwright/test";
import { signInWithBurnerWallet } from "./support.ts";

async function transfer(page: Page, kind: "Deposit" | "Withdraw", amount: string) {
  const card = page.locator(`#${kind.toLowerCase()}`);
  await card.getByLabel(`${kind} amount (USD)`).fill(amount);
  await card.getByRole("button", { name: kind, exact: true }).click();
}

async function expectBalance(page: Page, text: string) {
  await expect(page.getByTestId("wallet-balance")).toHaveText(text);
  await expect(page.getByTestId("billing-balance")).toHaveText(text);
}

async function ledgerRows(page: Page) {
  return page.getByTestId("ledger").locator("tbody tr");
}

/** A signed-in page in a context with JavaScript on or off (signing itself needs JavaScript). */
async function signedInPage(browser: Browser, javaScriptEnabled: boolean, baseURL: string) {
  const signInContext = await browser.newContext({ baseURL });
  const signInPage = await signInContext.newPage();
  await signInWithBurnerWallet(signInPage);
  const storageState = await signInContext.storageState();
  await signInContext.close();
  const context = await browser.newContext({ baseURL, javaScriptEnabled, storageState });
  return context.newPage();
}

for (const javaScriptEnabled of [true, false]) {
  test(`deposit $100, withdraw $30, see $70 and both ledger lines (JavaScript ${javaScriptEnabled ? "on" : "off"})`, async ({
    browser,
    baseURL,
  }) => {
    const page = await signedInPage(browser, javaScriptEnabled, baseURL ?? "");
    await page.goto("/billing");
    await expectBalance(page, "$0.00");

    await transfer(page, "Deposit", "100");
    await expect(page.getByTestId("flash")).toHaveText("Deposited $100.00.");
    await expectBalance(page, "$100.00");

    // Bad input: refused with a message, nothing recorded.
    await transfer(page, "Withdraw", "0");
    await expect(page.locator("#withdraw").getByRole("alert")).toContainText("more than $0");
    await transfer(page, "Withdraw", "150");
    await expect(page.locator("#withdraw").getByRole("alert")).toContainText("at most $100.00");
    await expectBalance(page, "$100.00");

    await transfer(page, "Withdraw", "30");
    await expect(page.getByTestId("flash")).toHaveText("Withdrew $30.00.");
    await expectBalance(page, "$70.00");

    const rows = await ledgerRows(page);
    await expect(rows).toHaveCount(2);
    await expect(rows.nth(0)).toContainText("Withdrawal");
    await expect(rows.nth(0)).toContainText("−$30.00");
    await expect(rows.nth(1)).toContainText("Deposit");
    await expect(rows.nth(1)).toContainText("+$100.00");

    // The header's wallet menu offers deposit, withdraw, recent activity and disconnect.
    await page.getByTestId("wallet-widget").locator("summary").click();
    const menu = page.getByTestId("wallet-widget");
    for (const name of ["Deposit", "Withdraw", "Recent activity"]) {
      await expect(menu.getByRole("link", { name })).toBeVisible();
    }
    await expect(menu.getByRole("button", { name: "Disconnect" })).toBeVisible();
    await page.context().close();
  });
}

test("the spending limit can be changed within $100–$50,000 (JavaScript off)", async ({
  browser,
  baseURL,
}) => {
  const page = await signedInPage(browser, false, baseURL ?? "");
  await page.goto("/settings/spending-limit");
  await expect(page.getByTestId("current-limit")).toHaveText("$2,000.00");
  await page.getByLabel("New monthly limit (USD)").fill("99");
  await page.getByRole("button", { name: "Save limit" }).click();
  await expect(page.getByRole("alert")).toContainText("at least $100.00");
  await page.getByLabel("New monthly limit (USD)").fill("750");
  await page.getByRole("button", { name: "Save limit" }).click();
  await expect(page.getByTestId("flash")).toHaveText("Monthly spending limit set to $750.00.");
  await expect(page.getByTestId("current-limit")).toHaveText("$750.00");
  await page.context().close();
});
