// Every page a customer uses passes axe-core's WCAG 2.1 A and AA rules and its best practices, in
// the light and the dark theme: signed in with a configured service and real (seeded) traffic, in
// the states only an action shows, and in demo mode.
import AxeBuilder from "@axe-core/playwright";
import { type Browser, expect, type Page, test } from "@playwright/test";
import { fundAndEnableSeal, seedTraffic, signInWithBurnerWallet } from "./support.ts";

// WCAG 2.0 and 2.1, levels A and AA, and axe's best practices (landmarks, headings, table headers).
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];
const THEMES = ["light", "dark"] as const;

/** What axe found on a page, one line per rule and element, so a failure says where to look. */
async function violations(page: Page, label: string): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  return result.violations.flatMap((violation) =>
    violation.nodes.map(
      (node) =>
        `${label}: ${violation.id} (${violation.impact}) at ${node.target.join(" ")} — ${node.failureSummary}`,
    ),
  );
}

/** Opens each path in each theme (the theme cookie the toggle sets) and collects the violations. */
async function audit(
  browser: Browser,
  baseURL: string,
  paths: string[],
  storageState?: string,
): Promise<string[]> {
  const found: string[] = [];
  for (const theme of THEMES) {
    const context = await browser.newContext({
      baseURL,
      colorScheme: theme,
      ...(storageState ? { storageState: JSON.parse(storageState) } : {}),
    });
    await context.addCookies([{ name: "theme", value: theme, url: baseURL }]);
    const page = await context.newPage();
    // While we are on every page: hydration must not fail or complain (React reports a mismatch
    // between the server's HTML and the client's render as a console error).
    let current = "";
    let documentUrl = "";
    page.on("pageerror", (error) => found.push(`${current}: page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() !== "error") return;
      // The 404 page's own status is reported as a failed load of the document: that is its point.
      if (message.text().startsWith("Failed to load resource") && message.location().url === documentUrl)
        return;
      found.push(`${current}: console error: ${message.text()}`);
    });
    for (const target of paths) {
      current = `${target} [${theme}]`;
      documentUrl = new URL(target, baseURL).href;
      const response = await page.goto(target);
      expect(response?.status(), target).toBeLessThan(500);
      await page.waitForLoadState("networkidle");
      found.push(...(await violations(page, current)));
    }
    await context.close();
  }
  return found;
}

test("signed-in pages meet WCAG 2.1 AA in both themes and hydrate without errors", async ({
  browser,
  baseURL,
}) => {
  // 28 audited page views: a slow machine must not fail it on time alone.
  test.setTimeout(180_000);
  if (!baseURL) throw new Error("baseURL is set in playwright.config.ts");
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  const address = await signInWithBurnerWallet(page);
  await fundAndEnableSeal(page, 200);
  // States that only an action shows: the new key revealed once, then a field error.
  const states = await violations(page, "/services/seal, key just created");
  expect(seedTraffic(address).rows).toBeGreaterThan(0);
  await page.goto("/billing");
  // Enabling Seal charged the pro-rated fee: its invoice is the first in the list.
  const invoice = await page.locator('a[href^="/billing/invoices/"]').first().getAttribute("href");
  expect(invoice).toMatch(/^\/billing\/invoices\/\d+$/);
  await page.locator("#withdraw").getByLabel("Withdraw amount (USD)").fill("40000");
  await page.locator("#withdraw").getByRole("button", { name: "Withdraw", exact: true }).click();
  await expect(page.locator("#withdraw").getByRole("alert")).toBeVisible();
  states.push(...(await violations(page, "/billing, withdrawal refused")));
  const storageState = JSON.stringify(await context.storageState());
  await context.close();
  expect(states).toEqual([]);

  const found = await audit(
    browser,
    baseURL,
    [
      "/dashboard",
      "/services/seal",
      "/services/seal/keys",
      "/services/seal/stats",
      "/services/seal/stats?range=30d",
      "/services/seal/logs",
      "/services/grpc",
      "/services/graphql",
      "/billing",
      invoice as string,
      "/settings/spending-limit",
      "/activity",
      "/support",
      "/no-such-page",
    ],
    storageState,
  );
  expect(found).toEqual([]);
});

test("demo mode and the login page meet WCAG 2.1 AA in both themes and hydrate without errors", async ({
  browser,
  baseURL,
}) => {
  if (!baseURL) throw new Error("baseURL is set in playwright.config.ts");
  const found = await audit(browser, baseURL, ["/", "/login", "/dashboard", "/services/seal", "/billing"]);
  expect(found).toEqual([]);
});
