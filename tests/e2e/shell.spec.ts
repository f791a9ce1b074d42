import { expect, test } from "@playwright/test";

for (const javaScriptEnabled of [true, false]) {
  test.describe(`the shell (JavaScript ${javaScriptEnabled ? "on" : "off"})`, () => {
    test.use({ javaScriptEnabled });

    test("shows the header, every sidebar section and the demo banner", async ({ page }) => {
      await page.goto("/dashboard");
      await expect(page.getByRole("link", { name: "Suiftly" })).toBeVisible();
      await expect(page.getByText("Demo mode")).toBeVisible();
      const nav = page.getByRole("complementary").getByRole("navigation", { name: "Main" });
      for (const name of ["Dashboard", "Seal", "gRPC", "GraphQL", "Billing", "Activity", "Support"]) {
        await expect(nav.getByRole("link", { name })).toBeVisible();
      }
      await nav.getByRole("link", { name: "Support" }).click();
      await expect(page).toHaveURL(/\/support$/);
      await expect(page.getByRole("heading", { level: 1, name: "Support" })).toBeVisible();
    });

    test("keeps the chosen theme in a cookie across reloads", async ({ page }) => {
      await page.goto("/billing");
      await expect(page.locator("html")).toHaveAttribute("data-theme", "system");
      await page.getByRole("button", { name: "Dark theme" }).click();
      await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
      await expect(page).toHaveURL(/\/billing$/);
      await page.reload();
      await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
      await expect(page.getByRole("button", { name: "Dark theme" })).toHaveAttribute("aria-pressed", "true");
      await page.getByRole("button", { name: "Light theme" }).click();
      await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
    });

    test("shows a 404 page inside the shell", async ({ page }) => {
      const response = await page.goto("/does-not-exist");
      expect(response?.status()).toBe(404);
      await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
      await expect(page.getByText("Demo mode")).toBeVisible();
    });
  });
}
