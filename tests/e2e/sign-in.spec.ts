import { expect, type Page, test } from "@playwright/test";

async function signInWithBurnerWallet(page: Page): Promise<string> {
  await page.goto("/login");
  await page.getByRole("button", { name: "Connect Wallet" }).click();
  await page.getByRole("button", { name: /Unsafe Burner Wallet/ }).click();
  const connected = page.getByText(/^Connected as 0x[0-9a-f]{64}$/);
  await expect(connected).toBeVisible();
  const address = ((await connected.textContent()) ?? "").replace("Connected as ", "");
  await page.getByRole("button", { name: "Sign in with this wallet" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  return address;
}

test("a new user signs in with the burner wallet, stays signed in across reloads, and signs out", async ({
  page,
}) => {
  const address = await signInWithBurnerWallet(page);
  await expect(page.getByText(`Signed in as ${address}`)).toBeVisible();
  await expect(page.getByTestId("viewer-address")).toHaveAttribute("title", address);
  await expect(page.getByText("Demo mode")).toHaveCount(0);

  await page.reload();
  await expect(page.getByText(`Signed in as ${address}`)).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByText("Demo mode")).toBeVisible();
  await page.goto("/dashboard");
  await expect(page.getByText("Demo mode")).toBeVisible();
  await expect(page.getByText(`Signed in as ${address}`)).toHaveCount(0);
});

test("sign-in sends the visitor back where they were going", async ({ page }) => {
  await page.goto("/login?redirectTo=%2Fsupport");
  await page.getByRole("button", { name: "Connect Wallet" }).click();
  await page.getByRole("button", { name: /Unsafe Burner Wallet/ }).click();
  await page.getByRole("button", { name: "Sign in with this wallet" }).click();
  await expect(page).toHaveURL(/\/support$/);
  await expect(page.getByTestId("viewer-address")).toBeVisible();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the login page explains that signing needs JavaScript", async ({ page }) => {
    await page.goto("/login");
    await expect(page.getByText("Signing in needs JavaScript")).toBeVisible();
  });
});
