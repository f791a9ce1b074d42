import { execFileSync } from "node:child_process";
import path from "node:path";
import { expect, type Page } from "@playwright/test";

const root = path.resolve(import.meta.dirname, "..", "..");

/** Sign in through /login with dApp Kit's burner wallet; returns the new wallet's address. */
export async function signInWithBurnerWallet(page: Page, path = "/login"): Promise<string> {
  await page.goto(path);
  await page.getByRole("button", { name: "Connect Wallet" }).click();
  await page.getByRole("button", { name: /Unsafe Burner Wallet/ }).click();
  const connected = page.getByText(/^Connected as 0x[0-9a-f]{64}$/);
  await expect(connected).toBeVisible();
  const address = ((await connected.textContent()) ?? "").replace("Connected as ", "");
  await page.getByRole("button", { name: "Sign in with this wallet" }).click();
  await expect(page.getByTestId("viewer-address")).toHaveAttribute("title", address);
  return address;
}

/** Deposit with the billing page's form, then enable Seal with the onboarding defaults. */
export async function fundAndEnableSeal(page: Page, dollars: number): Promise<void> {
  await page.goto("/billing");
  await page.locator("#deposit").getByLabel("Deposit amount (USD)").fill(String(dollars));
  await page.locator("#deposit").getByRole("button", { name: "Deposit", exact: true }).click();
  await expect(page.getByTestId("flash")).toContainText(`Deposited $${dollars}.00.`);
  await page.goto("/services/seal");
  await page.getByRole("button", { name: "Enable Seal" }).click();
  await expect(page.getByTestId("created-keys")).toContainText("Seal is enabled.");
}

/** Edge traffic for this wallet's customer, through the manager's ingest and meter (seed-traffic.ts). */
export function seedTraffic(address: string): { rows: number } {
  const output = execFileSync(
    path.join(root, "node_modules", ".bin", "node"),
    ["tests/e2e/seed-traffic.ts", address],
    { cwd: root, encoding: "utf8" },
  );
  return JSON.parse(output) as { rows: number };
}
