// Stats, request logs, the dashboard and the billing usage table over real HTTP, fed through the
// real pipeline: log lines → ingest batch (COPY) → meter → pages. Also: one customer never sees
// another's data (cached or not), and bad filters are a 400 with the field named, never a 500.
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "#app/domain/clock.ts";
import { formatLogLine, type LogRecord } from "#app/domain/log-format.ts";
import { queryRows } from "#db/client.ts";
import { writeBatch } from "#manager/ingest/batch-writer.ts";
import { meterAll } from "#manager/tasks/meter.ts";
import { startTestApp, type TestApp } from "#tests/support/app.ts";
import { withTestDatabase } from "#tests/support/database.ts";
import { type CookieJar, request, signIn } from "#tests/support/http.ts";

const database = withTestDatabase();
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ database: database.current.handle });
});
afterAll(async () => {
  await app?.close();
});

const HOUR = 3_600_000;
const text = async (response: Response) => (await response.text()).replaceAll("<!-- -->", "");
const get = (path: string, jar?: CookieJar) =>
  request(app, "GET", path, undefined, { ...(jar ? { jar } : {}), headers: { accept: "text/html" } });

function post(path: string, jar: CookieJar, fields: Record<string, string | number>) {
  const body = new URLSearchParams(
    Object.entries(fields).map(([key, value]) => [key, String(value)]),
  ).toString();
  return request(app, "POST", path, body, {
    jar,
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" },
  });
}

interface Customer {
  jar: CookieJar;
  customerId: number;
  keyId: number;
  keyFp: string;
}

/** A signed-in customer with Seal enabled and one API key. */
async function sealCustomer(): Promise<Customer> {
  const session = await signIn(app);
  expect(
    (await post("/billing", session.jar, { intent: "deposit", amount: "500", requestId: randomUUID() }))
      .status,
  ).toBe(302);
  const enabled = await post("/services/seal?index", session.jar, {
    intent: "enable",
    tier: "pro",
    apiKeys: 1,
    sealKeys: 1,
    requestId: randomUUID(),
  });
  expect(enabled.status).toBeLessThan(400);
  const [key] = await queryRows<{ id: number; fp: string }>(
    database.current.handle.db,
    sql`select id::int, left(key_hash, 16) as fp from api_keys where customer_id = ${session.customerId}`,
  );
  if (!key) throw new Error("no api key created");
  return { jar: session.jar, customerId: session.customerId, keyId: key.id, keyFp: key.fp };
}

let serial = 0;
function record(customer: Customer, tsMs: number, overrides: Partial<LogRecord> = {}): LogRecord {
  serial++;
  return {
    tsMs,
    region: "us-east",
    serverId: "edge-1",
    service: "seal",
    customerId: customer.customerId,
    keyFp: customer.keyFp,
    clientIp: "203.0.113.7",
    method: "POST",
    status: 200,
    // Varying the size keeps consecutive lines distinct (the ingest folds identical ones).
    bytesIn: 300 + serial,
    bytesOut: 2_000,
    tTotalMs: 40,
    tBackendMs: 35,
    outcome: "ok",
    ...overrides,
  };
}

async function ingestAndMeter(records: LogRecord[]) {
  await writeBatch(
    database.current.handle,
    { source: `test-${randomUUID()}`, lines: records.map((r) => ({ record: r, payload: formatLogLine(r) })) },
    new Date(),
  );
  await meterAll(database.current.handle.db);
}

function totalRequests(html: string): string | undefined {
  return /data-testid="total-requests"[^>]*>([^<]+)</.exec(html)?.[1];
}

function statuses(html: string): number[] {
  return [...html.matchAll(/data-testid="log-status"[^>]*>(\d+)</g)].map((match) => Number(match[1]));
}

function link(html: string, label: string): string | undefined {
  const match = new RegExp(`href="([^"]+)"[^>]*>${label}`).exec(html);
  return match?.[1]?.replaceAll("&amp;", "&");
}

describe("usage insight", () => {
  let alice: Customer;
  let bob: Customer;
  const now = Date.now();
  const thisHour = Math.floor(now / HOUR) * HOUR;

  beforeAll(async () => {
    alice = await sealCustomer();
    bob = await sealCustomer();
    const records: LogRecord[] = [];
    // Alice: 80 successes and 60 server errors in the last hour (many sharing one timestamp, so
    // paging must break ties by id), 3 rate-limited, and 20 successes three days ago.
    for (let i = 0; i < 80; i++) records.push(record(alice, thisHour + (i % 5) * 1_000));
    for (let i = 0; i < 60; i++)
      records.push(record(alice, thisHour + 2_000, { status: 503, outcome: "error" }));
    for (let i = 0; i < 3; i++)
      records.push(record(alice, thisHour + 3_000, { status: 429, outcome: "ratelimited" }));
    for (let i = 0; i < 20; i++) records.push(record(alice, thisHour - 72 * HOUR + i * 1_000));
    // Bob: 7 successes.
    for (let i = 0; i < 7; i++) records.push(record(bob, thisHour + i * 1_000));
    await ingestAndMeter(records);
  });

  it("shows each customer their own totals for every range, cached or not", async () => {
    const aliceDay = await text(await get("/services/seal/stats", alice.jar));
    expect(totalRequests(aliceDay)).toBe("143");
    expect(aliceDay).toContain('aria-current="page"');
    expect(aliceDay).toContain("<svg");
    expect(aliceDay).toMatch(/Requests by outcome/);
    expect(aliceDay).toMatch(/\(in progress\)/);
    const bobDay = await text(await get("/services/seal/stats", bob.jar));
    expect(totalRequests(bobDay)).toBe("7");
    // The same pages again (now from the per-customer cache) still do not mix.
    expect(totalRequests(await text(await get("/services/seal/stats", alice.jar)))).toBe("143");
    expect(totalRequests(await text(await get("/services/seal/stats", bob.jar)))).toBe("7");
    expect(totalRequests(await text(await get("/services/seal/stats?range=7d", alice.jar)))).toBe("163");
    expect(totalRequests(await text(await get("/services/seal/stats?range=30d", alice.jar)))).toBe("163");
  });

  it("shows newly metered traffic right away: the cache turns over with the data", async () => {
    const dave = await sealCustomer();
    const page = () => get("/services/seal/stats", dave.jar).then(text).then(totalRequests);
    await ingestAndMeter([record(dave, thisHour), record(dave, thisHour + 1)]);
    expect(await page()).toBe("2");
    await ingestAndMeter([record(dave, thisHour + 2)]);
    // The cache reads the data version at most once a second.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await page()).toBe("3");
  });

  it("answers a repeated page from the page cache, byte for byte, and only to its own customer", async () => {
    const pages = app.services.pages;
    if (!pages) throw new Error("the page cache is on by default");
    const before = pages.stats();
    const first = await get("/services/seal/stats?range=7d", alice.jar);
    const firstHtml = await first.text();
    const again = await get("/services/seal/stats?range=7d", alice.jar);
    expect(await again.text()).toBe(firstHtml);
    expect(again.headers.get("content-security-policy")).toBe(first.headers.get("content-security-policy"));
    // Sent compressed (Node's fetch asks for gzip), from the compressed copy kept with the page.
    expect(again.headers.get("content-encoding")).toBe("gzip");
    expect(pages.stats().hits).toBeGreaterThan(before.hits);
    expect(totalRequests(firstHtml.replaceAll("<!-- -->", ""))).toBe("163");
    // The same URL for Bob is Bob's page, rendered for him.
    const misses = pages.stats().misses;
    expect(totalRequests(await text(await get("/services/seal/stats?range=7d", bob.jar)))).toBe("7");
    expect(pages.stats().misses).toBe(misses + 1);
  });

  it("refuses an unknown range with a 400 that says what is allowed", async () => {
    const response = await get("/services/seal/stats?range=2y", alice.jar);
    expect(response.status).toBe(400);
    expect(await text(response)).toMatch(/choose 24 hours, 7 days or 30 days/);
  });

  it("shows an empty state, not a chart, when there is no traffic in the range", async () => {
    const carol = await sealCustomer();
    const html = await text(await get("/services/seal/stats", carol.jar));
    expect(html).toMatch(/No requests in the last 24 hours/);
    expect(totalRequests(html)).toBeUndefined();
  });

  it("filters the logs to 5xx and pages through them by cursor without gaps or repeats", async () => {
    const first = await get("/services/seal/logs?status=5xx", alice.jar);
    expect(first.status).toBe(200);
    const page1 = await text(first);
    expect(statuses(page1)).toHaveLength(50);
    expect(statuses(page1).every((status) => status === 503)).toBe(true);
    const older = link(page1, "Older →");
    expect(older).toMatch(/status=5xx/);
    expect(link(page1, "← Newer")).toBeUndefined();

    const page2 = await text(await get(older as string, alice.jar));
    expect(statuses(page2)).toHaveLength(10);
    expect(link(page2, "Older →")).toBeUndefined();
    const rowKeys = (html: string) => [...html.matchAll(/data-row="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set([...rowKeys(page1), ...rowKeys(page2)]).size).toBe(60);

    // Back to newer: exactly page 1 again.
    const newer = link(page2, "← Newer");
    const again = await text(await get(newer as string, alice.jar));
    expect(rowKeys(again)).toEqual(rowKeys(page1));

    // The database agrees: 60 distinct rows across the two pages.
    const [count] = await queryRows<{ n: number }>(
      database.current.handle.db,
      sql`select count(*)::int as n from haproxy_logs where customer_id = ${alice.customerId} and status >= 500`,
    );
    expect(count?.n).toBe(60);
  });

  it("filters by outcome, by the customer's own key and by range", async () => {
    const limited = await text(await get("/services/seal/logs?outcome=ratelimited", alice.jar));
    expect(statuses(limited)).toEqual([429, 429, 429]);
    const byKey = await text(await get(`/services/seal/logs?key=${alice.keyId}&range=1h`, alice.jar));
    expect(statuses(byKey).length).toBe(50);
    const lastHour = await text(await get("/services/seal/logs?range=1h&status=2xx", bob.jar));
    // Read the status cells, not the whole page: a random wallet address can hold "503".
    expect(statuses(lastHour)).toEqual([200, 200, 200, 200, 200, 200, 200]);
  });

  it("answers bad filters with 400 and the field's error, never a 500 or another customer's rows", async () => {
    const foreignKey = await get(`/services/seal/logs?key=${bob.keyId}`, alice.jar);
    expect(foreignKey.status).toBe(400);
    const foreignHtml = await text(foreignKey);
    expect(foreignHtml).toContain("Choose one of your API keys.");
    expect(statuses(foreignHtml)).toHaveLength(0);

    for (const [query, message] of [
      ["status=6xx", "Choose a status class."],
      ["outcome=exploded", "Choose an outcome."],
      ["range=5y", "Choose a time range."],
      ["key=abc", "Choose one of your API keys."],
      ["before=not-a-cursor", "That page link is not valid."],
      ["before=1.1&after=1.1", "That page link is not valid."],
      [`service=${"x".repeat(500)}`, "Choose a service."],
    ] as const) {
      const response = await get(`/services/seal/logs?${query}`, alice.jar);
      expect(response.status, query).toBe(400);
      const html = await text(response);
      expect(html, query).toContain(message);
      expect(statuses(html), query).toHaveLength(0);
    }
  });

  it("keeps a Logs page until an ingest batch brings the customer new rows, and only for that customer", async () => {
    const erin = await sealCustomer();
    const frank = await sealCustomer();
    // Pages are kept per minute: a clock that stands still keeps this test inside one.
    const frozen = await startTestApp({
      database: database.current.handle,
      clock: fixedClock(new Date(now)),
    });
    const rows = async (customer: Customer) => {
      const response = await request(frozen, "GET", "/services/seal/logs?service=all&range=90d", undefined, {
        jar: customer.jar,
        headers: { accept: "text/html" },
      });
      expect(response.status).toBe(200);
      return statuses(await text(response));
    };
    try {
      await ingestAndMeter([
        record(erin, thisHour + 1_000),
        record(frank, thisHour + 1_000, { status: 404 }),
      ]);
      expect(await rows(erin)).toEqual([200]);
      expect(await rows(frank)).toEqual([404]);

      // A row that reaches the table without an ingest batch moves no mark: the page kept for the
      // mark is served, which shows the second view did not query the logs.
      await queryRows(
        database.current.handle.db,
        sql`insert into haproxy_logs (ts, region, server_id, service, customer_id, client_ip, method, status,
            bytes_in, bytes_out, t_total_ms, t_backend_ms, outcome, repeat, batch_id)
          values (${new Date(thisHour + 2_000).toISOString()}, 'us-east', 'edge-1', 'seal', ${erin.customerId},
            '203.0.113.7', 'GET', 500, 1, 1, 1, 1, 'error', 1, 0) returning id`,
      );
      expect(await rows(erin)).toEqual([200]);
      // Another customer's batch leaves Erin's mark alone (and metering does not touch log pages).
      await ingestAndMeter([record(frank, thisHour + 3_000, { status: 403, outcome: "denied" })]);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(await rows(erin)).toEqual([200]);
      expect(await rows(frank)).toEqual([403, 404]);

      // Her own next batch moves her mark: the very next view reads the logs again, all of them.
      await writeBatch(
        database.current.handle,
        {
          source: `test-${randomUUID()}`,
          lines: [record(erin, thisHour + 4_000, { status: 201 })].map((r) => ({
            record: r,
            payload: formatLogLine(r),
          })),
        },
        new Date(),
      );
      expect(await rows(erin)).toEqual([201, 500, 200]);
    } finally {
      await frozen.close();
    }
  });

  it("does not show another customer's requests even with every filter open", async () => {
    const html = await text(await get("/services/seal/logs?service=all&range=90d", bob.jar));
    expect(statuses(html)).toHaveLength(7);
  });

  it("sends visitors who are not signed in to demo data, and customers without the service to set-up", async () => {
    const demo = await text(await get("/services/seal/stats"));
    expect(demo).toContain("Demo data");
    const demoLogs = await text(await get("/services/seal/logs"));
    expect(demoLogs).toContain("Demo data");
    const newcomer = await signIn(app);
    const redirected = await get("/services/seal/logs", newcomer.jar);
    expect(redirected.status).toBe(302);
    expect(redirected.headers.get("location")).toBe("/services/seal");
  });

  it("puts requests, success rate, cost and a server-error warning on the dashboard", async () => {
    const html = await text(await get("/dashboard", alice.jar));
    const card = html.slice(html.indexOf('data-testid="service-card-seal"'));
    expect(card).toMatch(/Requests, 24 h<\/dt><dd[^>]*>143</);
    expect(card).toMatch(/Success rate<\/dt><dd[^>]*>55\.9%</);
    expect(html).toMatch(/of Seal requests failed with server errors in the last 24 hours/);
    expect(html).toContain("/services/seal/logs?status=5xx");
    const bobHtml = await text(await get("/dashboard", bob.jar));
    expect(bobHtml.slice(bobHtml.indexOf('data-testid="service-card-seal"'))).toMatch(
      /Requests, 24 h<\/dt><dd[^>]*>7</,
    );
    expect(bobHtml).not.toMatch(/failed with server errors/);
  });

  it("lists this month's usage per service on the billing page", async () => {
    const html = await text(await get("/billing", alice.jar));
    const table = html.slice(html.indexOf('data-testid="usage-table"'));
    // 143 requests (80 successful) this hour, plus 20 successful three days ago when that was
    // still this month; 63 are free either way. Worth $0.01 rounded down.
    const earlierThisMonth =
      new Date(thisHour - 72 * HOUR).getUTCMonth() === new Date(thisHour).getUTCMonth();
    const [requests, billable] = earlierThisMonth ? [163, 100] : [143, 80];
    expect(table).toMatch(
      new RegExp(
        `Seal</td><td[^>]*>${requests}</td><td[^>]*>${billable}</td><td[^>]*>63</td><td[^>]*>\\$0\\.01<`,
      ),
    );
  });
});
