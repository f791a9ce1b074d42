import { expect, type Page } from "@playwright/test";

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
