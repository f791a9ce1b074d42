import { type Browser, expect, type Page, test } from "@playwright/test";
import { signInWithBurnerWallet } from "./support.ts";

async function signedInPage(browser: Browser, javaScriptEnabled: boolean, baseURL: string): Promise<Page> {
  const signInContext = await browser.newContext({ baseURL });
  await signInWithBurnerWallet(await signInContext.newPage());
  const storageState = await signInContext.storageState();
  await signInContext.close();
  const context = await browser.newContext({ baseURL, javaScriptEnabled, storageState });
  return context.newPage();
}

async function expectFlash(page: Page, text: string | RegExp) {
  await expect(page.getByTestId("flash")).toContainText(text);
}

const PACKAGE_A = `0x${"a1".repeat(32)}`;
const PACKAGE_B = `0x${"b2".repeat(32)}`;

for (const javaScriptEnabled of [true, false]) {
  test(`configure Seal end to end (JavaScript ${javaScriptEnabled ? "on" : "off"})`, async ({
    browser,
    baseURL,
  }) => {
    test.slow();
    const page = await signedInPage(browser, javaScriptEnabled, baseURL ?? "");

    // Fund the escrow.
    await page.goto("/billing");
    await page.locator("#deposit").getByLabel("Deposit amount (USD)").fill("500");
    await page.locator("#deposit").getByRole("button", { name: "Deposit", exact: true }).click();
    await expectFlash(page, "Deposited $500.00.");

    // Enable Seal on Pro: the first API key is shown once.
    await page.goto("/services/seal");
    await expect(page.getByTestId("monthly-total")).toHaveText("$40.00");
    await page.getByRole("button", { name: "Enable Seal" }).click();
    await expect(page.getByTestId("created-keys")).toContainText("Seal is enabled.");
    const firstKey = (await page.getByTestId("created-key").textContent()) ?? "";
    expect(firstKey).toMatch(/^S[A-Z2-7]{30}$/);
    await expect(page.getByTestId("service-state")).toContainText("Enabled");

    // Add an API key: shown once, then only its ends.
    const tabs = page.getByRole("navigation", { name: "Seal sections" });
    await tabs.getByRole("link", { name: "Keys" }).click();
    await page.getByRole("button", { name: "Create API key" }).click();
    await expect(page.getByTestId("created-keys")).toContainText("API key created.");
    const secondKey = (await page.getByTestId("created-key").textContent()) ?? "";
    expect(secondKey).toMatch(/^S[A-Z2-7]{30}$/);
    await page.goto("/services/seal/keys");
    await expect(page.getByTestId("api-keys").locator("tbody tr")).toHaveCount(2);
    await expect(page.getByTestId("api-keys")).toContainText(
      `${secondKey.slice(0, 6)}…${secondKey.slice(-4)}`,
    );
    expect(await page.content()).not.toContain(secondKey);

    // A Seal key and two packages on it.
    await page.getByLabel("New Seal key name").fill("backup");
    await page.getByRole("button", { name: "Create Seal key" }).click();
    await expectFlash(page, 'Seal key "backup" created');
    const backup = page.getByRole("region", { name: "Seal key backup" });
    await expect(backup).toContainText("registering");
    const packages: [string, string][] = [
      [PACKAGE_A, "app"],
      [PACKAGE_B, ""],
    ];
    for (const [packageId, name] of packages) {
      await backup.getByLabel("Package id").fill(packageId);
      if (name) await backup.getByLabel("Name (optional)").fill(name);
      await backup.getByRole("button", { name: "Add package" }).click();
      await expectFlash(page, "Package added.");
    }
    await expect(page.getByRole("region", { name: "Seal key backup" }).getByTestId("package")).toHaveCount(2);

    // IP allowlist: a bad entry is named, then a good list is saved.
    await tabs.getByRole("link", { name: "Config" }).click();
    await page.getByLabel("Allowed addresses").fill("203.0.113.7, not-an-ip");
    await page.getByRole("button", { name: "Save allowlist" }).click();
    await expect(page.locator("#allowlist").getByRole("alert")).toContainText(
      '"not-an-ip" is not an IP address',
    );
    await page.getByLabel("Allowed addresses").fill("203.0.113.7\n198.51.100.0/24, 203.0.113.7");
    await page.getByRole("button", { name: "Save allowlist" }).click();
    await expectFlash(page, "IP allowlist saved (2 entries).");

    // Upgrade to Business: charged the pro-rated difference first.
    await page.getByRole("radio", { name: /Business/ }).check();
    await page.getByRole("button", { name: "Save plan" }).click();
    await expectFlash(page, /Plan updated\. Charged \$\d+\.\d\d for the rest of this month\./);
    await expect(page.getByTestId("service-state").locator("..")).toContainText("Business");

    // Schedule a downgrade to Pro, then undo it.
    await page.getByRole("radio", { name: /Pro/ }).check();
    await page.getByRole("button", { name: "Save plan" }).click();
    await expectFlash(page, "The lower price starts on the 1st.");
    await expect(page.getByTestId("scheduled-change")).toContainText("downgrade to Pro");
    await page.getByTestId("scheduled-change").getByRole("button", { name: "Undo" }).click();
    await expectFlash(page, "Scheduled change undone");
    await expect(page.getByTestId("scheduled-change")).toHaveCount(0);

    // Revoke the first key, confirming first.
    await page.goto("/services/seal/keys");
    await page
      .getByRole("button", { name: `Revoke key ${firstKey.slice(0, 6)}…${firstKey.slice(-4)}` })
      .click();
    await expect(page.getByRole("alertdialog")).toContainText("Revoke this API key?");
    await page.getByRole("button", { name: "Yes, revoke the key" }).click();
    await expectFlash(page, "API key revoked.");
    await expect(page.getByTestId("api-keys")).toContainText("Revoked");

    // The upgrade is on the bill: the newest invoice, paid, with the pro-rated difference.
    await page.goto("/billing");
    const invoices = page.locator("table").filter({ hasText: "Invoice" });
    await invoices.locator("tbody tr").first().getByRole("link").click();
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Invoice #");
    await expect(
      page.getByText(/Seal upgrade to Business \(monthly fee \$46\.00 → \$86\.00\), pro-rated/),
    ).toBeVisible();
    await expect(page.getByText("Paid", { exact: true }).first()).toBeVisible();
    await expect(page.getByTestId("payment-digest")).toHaveText(/^[1-9A-HJ-NP-Za-km-z]{43,44}$/);

    // Every step is in the activity log.
    await page.goto("/activity");
    const log = page.getByTestId("activity-list");
    for (const text of [
      "Enabled Seal Pro",
      "Created API key",
      'Created Seal key "backup"',
      "Allowed package",
      "Set the Seal IP allowlist to 2 entries",
      "Upgraded Seal from Pro to Business",
      "Scheduled a downgrade of Seal to Pro on the 1st",
      "Kept the current Seal plan",
      "Revoked API key",
      "Deposited $500.00",
    ]) {
      await expect(log).toContainText(text);
    }
    await page.context().close();
  });
}

test("demo mode shows the onboarding form with the real catalog and placeholder keys", async ({ page }) => {
  await page.goto("/services/grpc");
  await expect(page.getByText("Demo mode")).toBeVisible();
  await expect(page.getByRole("link", { name: "Connect a wallet to enable gRPC" })).toBeVisible();
  await page.getByRole("radio", { name: /Business/ }).check();
  await expect(page.getByTestId("monthly-total")).toHaveText("$80.00");
  await page.goto("/services/seal/keys");
  await expect(page.getByText("Example keys")).toBeVisible();
});
