import { expect, test } from "@playwright/test";
import { signInWithBurnerWallet } from "./support.ts";

test("a new user signs in with the burner wallet, stays signed in across reloads, and signs out", async ({
  page,
}) => {
  const address = await signInWithBurnerWallet(page);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByText(`Signed in as ${address}`)).toBeVisible();
  await expect(page.getByTestId("viewer-address")).toHaveAttribute("title", address);
  await expect(page.getByText("Demo mode")).toHaveCount(0);

  await page.reload();
  await expect(page.getByText(`Signed in as ${address}`)).toBeVisible();

  await page.getByTestId("wallet-widget").locator("summary").click();
  await page.getByRole("button", { name: "Disconnect" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByText("Demo mode")).toBeVisible();
  await page.goto("/dashboard");
  await expect(page.getByText("Demo mode")).toBeVisible();
  await expect(page.getByText(`Signed in as ${address}`)).toHaveCount(0);
});

test("sign-in sends the visitor back where they were going", async ({ page }) => {
  await signInWithBurnerWallet(page, "/login?redirectTo=%2Fsupport");
  await expect(page).toHaveURL(/\/support$/);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the login page explains that signing needs JavaScript", async ({ page }) => {
    await page.goto("/login");
    await expect(page.getByText("Signing in needs JavaScript")).toBeVisible();
  });
});
