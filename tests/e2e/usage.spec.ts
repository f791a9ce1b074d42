// A customer with real (seeded) edge traffic reads the Stats tab in all three ranges and pages
// through their 5xx request logs — with JavaScript off; with it on, hovering a chart shows values
// and the Logs tab filters and pages by client-side navigation.
import { expect, type Page, test } from "@playwright/test";
import { fundAndEnableSeal, seedTraffic, signInWithBurnerWallet } from "./support.ts";

/** The keys of the log rows on the page, in order. */
const rowKeys = (page: Page) =>
  page.locator("[data-row]").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-row")));

/** Filters the Logs tab to 5xx with its GET form: a full page of the seeded 503s. */
async function filterLogsTo5xx(page: Page) {
  await page.getByLabel("Status").selectOption("5xx");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/status=5xx/);
  const statuses = page.getByTestId("log-status");
  await expect(statuses).toHaveCount(50);
  expect(new Set(await statuses.allTextContents())).toEqual(new Set(["503"]));
}

test("stats in three ranges and 5xx logs paged by cursor, without JavaScript", async ({
  browser,
  baseURL,
}) => {
  test.slow();
  const signInContext = await browser.newContext({ baseURL });
  const address = await signInWithBurnerWallet(await signInContext.newPage());
  const storageState = await signInContext.storageState();
  await signInContext.close();
  const context = await browser.newContext({ baseURL, javaScriptEnabled: false, storageState });
  const page = await context.newPage();

  await fundAndEnableSeal(page, 500);

  expect(seedTraffic(address).rows).toBeGreaterThan(600);

  // Stats: 24 hours (hourly), then 7 and 30 days (daily); every range has its three charts.
  await page.goto("/services/seal");
  await page.getByRole("link", { name: "Stats" }).click();
  const ranges = page.getByRole("navigation", { name: "Time range" });
  await expect(ranges.getByRole("link", { name: "24 hours" })).toHaveAttribute("aria-current", "page");
  const dayTotal = Number((await page.getByTestId("total-requests").textContent())?.replace(/,/g, ""));
  expect(dayTotal).toBeGreaterThanOrEqual(149 + 22);
  await expect(page.getByRole("img", { name: /Requests by outcome/ })).toBeVisible();
  await expect(page.getByRole("img", { name: /Latency/ })).toBeVisible();
  await expect(page.getByRole("img", { name: /Bandwidth/ })).toBeVisible();

  await ranges.getByRole("link", { name: "7 days" }).click();
  await expect(ranges.getByRole("link", { name: "7 days" })).toHaveAttribute("aria-current", "page");
  const weekTotal = Number((await page.getByTestId("total-requests").textContent())?.replace(/,/g, ""));
  expect(weekTotal).toBeGreaterThan(dayTotal);

  await ranges.getByRole("link", { name: "30 days" }).click();
  await expect(ranges.getByRole("link", { name: "30 days" })).toHaveAttribute("aria-current", "page");
  const monthTotal = Number((await page.getByTestId("total-requests").textContent())?.replace(/,/g, ""));
  expect(monthTotal).toBeGreaterThan(weekTotal);
  await expect(page.getByRole("img", { name: /Requests by outcome/ })).toBeVisible();
  // The numbers behind the chart are there without JavaScript too.
  await page.getByText("Show the numbers").first().click();
  await expect(page.getByRole("cell", { name: /\(in progress\)/ }).first()).toBeVisible();

  // Logs: filter to 5xx with the GET form, then page older and back newer.
  await page.getByRole("link", { name: "Logs" }).click();
  await filterLogsTo5xx(page);
  const statuses = page.getByTestId("log-status");
  const firstPage = await rowKeys(page);

  await page.getByRole("link", { name: "Older →" }).click();
  await expect(statuses).toHaveCount(25);
  expect(new Set(await statuses.allTextContents())).toEqual(new Set(["503"]));
  await expect(page.getByRole("link", { name: "Older →" })).toHaveCount(0);
  const secondPage = await rowKeys(page);
  expect(new Set([...firstPage, ...secondPage]).size).toBe(75);

  await page.getByRole("link", { name: "← Newer" }).click();
  await expect(statuses).toHaveCount(50);
  expect(await rowKeys(page)).toEqual(firstPage);

  // With JavaScript, hovering a bucket shows its values.
  const live = await browser.newContext({ baseURL, storageState });
  const livePage = await live.newPage();
  await livePage.goto("/services/seal/stats");
  const chart = livePage.getByRole("img", { name: /Requests by outcome/ });
  const box = await chart.boundingBox();
  if (!box) throw new Error("chart has no box");
  // Hovering works once React has hydrated the page: keep moving until the readout appears.
  let nudge = 0;
  await expect(async () => {
    nudge = (nudge + 1) % 4;
    await livePage.mouse.move(box.x + box.width - 20, box.y + box.height / 2 + nudge);
    await expect(livePage.getByTestId("chart-readout")).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 15_000 });
  await expect(livePage.getByTestId("chart-readout")).toContainText("in progress");
  await expect(livePage.getByTestId("chart-readout")).toContainText("Server errors (5xx)");

  // With JavaScript, the Logs tab opens, filters and pages by client-side navigation: its rows
  // arrive as loader data and are decoded in the browser, without errors or a full page load.
  const errors: string[] = [];
  livePage.on("pageerror", (error) => errors.push(error.message));
  livePage.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  await livePage.evaluate(() => {
    (window as unknown as { stayedOnPage: boolean }).stayedOnPage = true;
  });
  await livePage.getByRole("link", { name: "Logs" }).click();
  await expect(livePage).toHaveURL(/\/services\/seal\/logs$/);
  await filterLogsTo5xx(livePage);
  const liveStatuses = livePage.getByTestId("log-status");
  await livePage.getByRole("link", { name: "Older →" }).click();
  await expect(liveStatuses).toHaveCount(25);
  expect(await rowKeys(livePage)).toEqual(secondPage);
  expect(await livePage.evaluate(() => (window as unknown as { stayedOnPage?: boolean }).stayedOnPage)).toBe(
    true,
  );
  expect(errors).toEqual([]);
  await live.close();
  await context.close();
});
