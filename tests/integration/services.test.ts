// Service configuration, keys and the activity log over real HTTP: bad input is a 400 with
// nothing changed, another customer's ids are 404, limits answer 429, double submits count once.
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "#db/client.ts";
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

function post(path: string, jar: CookieJar | undefined, fields: Record<string, string | number>) {
  const body = new URLSearchParams(
    Object.entries(fields).map(([key, value]) => [key, String(value)]),
  ).toString();
  return request(app, "POST", path, body, {
    ...(jar ? { jar } : {}),
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" },
  });
}

const text = async (response: Response) => (await response.text()).replaceAll("<!-- -->", "");

async function customer(depositDollars = 500) {
  const session = await signIn(app);
  if (depositDollars > 0) {
    const deposit = await post("/billing", session.jar, {
      intent: "deposit",
      amount: String(depositDollars),
      requestId: randomUUID(),
    });
    expect(deposit.status).toBe(302);
  }
  return session;
}

const enableFields = (overrides: Record<string, string | number> = {}) => ({
  intent: "enable",
  tier: "pro",
  apiKeys: 1,
  sealKeys: 1,
  requestId: randomUUID(),
  ...overrides,
});

async function state(customerId: number) {
  const [row] = await queryRows<{
    services: number;
    keys: number;
    seal_keys: number;
    packages: number;
    charges: number;
    revoked: number;
  }>(
    database.current.handle.db,
    sql`select (select count(*)::int from service_instances where customer_id = ${customerId}) as services,
               (select count(*)::int from api_keys where customer_id = ${customerId}) as keys,
               (select count(*)::int from api_keys where customer_id = ${customerId} and revoked_at is not null) as revoked,
               (select count(*)::int from seal_keys where customer_id = ${customerId}) as seal_keys,
               (select count(*)::int from seal_packages where customer_id = ${customerId}) as packages,
               (select count(*)::int from escrow_transactions where customer_id = ${customerId} and kind = 'charge') as charges`,
  );
  return row;
}

async function ids(customerId: number) {
  const [row] = await queryRows<{ key_id: string; seal_key_id: string; package_id: string | null }>(
    database.current.handle.db,
    sql`select (select min(id) from api_keys where customer_id = ${customerId}) as key_id,
               (select min(id) from seal_keys where customer_id = ${customerId}) as seal_key_id,
               (select min(id) from seal_packages where customer_id = ${customerId}) as package_id`,
  );
  return {
    keyId: Number(row?.key_id),
    sealKeyId: Number(row?.seal_key_id),
    packageRowId: Number(row?.package_id),
  };
}

describe("onboarding", () => {
  it.each([
    [{ tier: "ultra" }, "Choose Starter, Pro or Business"],
    [{ tier: "enterprise" }, "Choose Starter, Pro or Business"],
    [{ apiKeys: "abc" }, "Enter a number of API keys"],
    [{ apiKeys: 11 }, "At most 10 API keys"],
    [{ apiKeys: -1 }, "Cannot be negative"],
    [{ sealKeys: 2.5 }, "whole number"],
    [{ requestId: "x" }, "Reload the page"],
    [{ tier: "starter", burstEnabled: "on" }, "Burst is available on Pro and Business"],
    [{ apiKeys: 0, sealKeys: 0 }, "Create at least one API key"],
  ])("refuses %j with 400 and creates nothing", async (overrides, message) => {
    const { jar, customerId } = await customer();
    const before = await state(customerId);
    const response = await post("/services/seal?index", jar, enableFields(overrides));
    expect(response.status).toBe(400);
    expect(await text(response)).toContain(message);
    expect(await state(customerId)).toEqual(before);
  });

  it("recalculates the total on the server for forms without JavaScript", async () => {
    const { jar, customerId } = await customer();
    const response = await post(
      "/services/seal?index",
      jar,
      enableFields({ intent: "recalculate", tier: "business", burstEnabled: "on", apiKeys: 3 }),
    );
    expect(response.status).toBe(200);
    const html = await text(response);
    expect(html).toMatch(/Monthly total<\/th><td[^>]*>\$92\.00/); // $80 + $10 burst + 2 × $1 keys
    expect((await state(customerId))?.services).toBe(0);
  });

  it("refuses to enable without enough balance, saying how much to deposit", async () => {
    const { jar, customerId } = await customer(0);
    const response = await post("/services/seal?index", jar, enableFields());
    expect(response.status).toBe(402);
    expect(await text(response)).toMatch(
      /Deposit at least \$\d+\.\d\d to open your escrow account|Deposit at least \$\d+\.\d\d to cover/,
    );
    expect((await state(customerId))?.services).toBe(0);
  });

  it("enables once when the form is submitted twice at the same time", async () => {
    const { jar, customerId } = await customer();
    const fields = enableFields();
    const responses = await Promise.all([
      post("/services/seal?index", jar, fields),
      post("/services/seal?index", jar, fields),
    ]);
    expect(responses.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await state(customerId)).toMatchObject({ services: 1, keys: 1, seal_keys: 1, charges: 1 });
  });

  it("shows the new key once and never again", async () => {
    const { jar } = await customer();
    const html = await text(await post("/services/grpc?index", jar, enableFields({ sealKeys: 0 })));
    const key = /data-testid="created-key">(R[A-Z2-7]{30})</.exec(html)?.[1];
    expect(key).toBeTruthy();
    for (const path of ["/services/grpc", "/services/grpc/keys", "/dashboard", "/activity"]) {
      const page = await text(
        await request(app, "GET", path, undefined, { jar, headers: { accept: "text/html" } }),
      );
      expect(page).not.toContain(key);
    }
  });
});

describe("isolation", () => {
  it("answers 404 for another customer's keys and packages, and changes nothing", async () => {
    const alice = await customer();
    const bob = await customer();
    for (const session of [alice, bob]) {
      expect((await post("/services/seal?index", session.jar, enableFields())).status).toBe(200);
    }
    const aliceIds = await ids(alice.customerId);
    expect(
      (
        await post("/services/seal/keys", alice.jar, {
          intent: "add-package",
          keyId: aliceIds.sealKeyId,
          packageId: `0x${"c".repeat(64)}`,
          requestId: randomUUID(),
        })
      ).status,
    ).toBe(302);
    const withPackage = await ids(alice.customerId);
    await post("/services/seal/keys", alice.jar, {
      intent: "revoke-api-key",
      keyId: withPackage.keyId,
      confirmed: "yes",
    });
    const aliceBefore = await state(alice.customerId);

    const attempts: Record<string, string | number>[] = [
      { intent: "revoke-api-key", keyId: withPackage.keyId, confirmed: "yes" },
      { intent: "delete-api-key", keyId: withPackage.keyId, confirmed: "yes" },
      { intent: "rename-seal-key", keyId: withPackage.sealKeyId, name: "stolen" },
      { intent: "revoke-seal-key", keyId: withPackage.sealKeyId, confirmed: "yes" },
      {
        intent: "add-package",
        keyId: withPackage.sealKeyId,
        packageId: `0x${"d".repeat(64)}`,
        requestId: randomUUID(),
      },
      { intent: "rename-package", packageRowId: withPackage.packageRowId, name: "stolen" },
      { intent: "delete-package", packageRowId: withPackage.packageRowId, confirmed: "yes" },
    ];
    for (const fields of attempts) {
      const response = await post("/services/seal/keys", bob.jar, fields);
      expect(response.status, String(fields.intent)).toBe(404);
    }
    expect(await state(alice.customerId)).toEqual(aliceBefore);
    const [names] = await queryRows<{ seal: string; pkg: string | null }>(
      database.current.handle.db,
      sql`select (select name from seal_keys where id = ${withPackage.sealKeyId}) as seal,
                 (select name from seal_packages where id = ${withPackage.packageRowId}) as pkg`,
    );
    expect(names).toEqual({ seal: "Seal key 1", pkg: null });
  });

  it("refuses malformed ids with 400 and unknown services with 404", async () => {
    const { jar } = await customer();
    await post("/services/seal?index", jar, enableFields());
    expect((await post("/services/seal/keys", jar, { intent: "revoke-api-key", keyId: "abc" })).status).toBe(
      400,
    );
    expect((await post("/services/seal/keys", jar, { intent: "bogus" })).status).toBe(400);
    expect(
      (await request(app, "GET", "/services/nope", undefined, { jar, headers: { accept: "text/html" } }))
        .status,
    ).toBe(404);
    const anonymous = await post("/services/seal?index", undefined, enableFields());
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("location")).toMatch(/^\/login/);
  });
});

describe("keys", () => {
  it("asks before revoking, and revokes only when confirmed", async () => {
    const { jar, customerId } = await customer();
    await post("/services/seal?index", jar, enableFields());
    const { keyId } = await ids(customerId);
    const ask = await post("/services/seal/keys", jar, { intent: "revoke-api-key", keyId });
    expect(ask.status).toBe(200);
    expect(await text(ask)).toContain("Revoke this API key?");
    expect((await state(customerId))?.revoked).toBe(0);
    expect(
      (await post("/services/seal/keys", jar, { intent: "revoke-api-key", keyId, confirmed: "yes" })).status,
    ).toBe(302);
    expect((await state(customerId))?.revoked).toBe(1);
  });

  it("refuses bad names and package ids with 400", async () => {
    const { jar, customerId } = await customer();
    await post("/services/seal?index", jar, enableFields());
    const { sealKeyId } = await ids(customerId);
    const before = await state(customerId);
    const cases: Record<string, string | number>[] = [
      { intent: "create-seal-key", name: "", requestId: randomUUID() },
      { intent: "create-seal-key", name: "x".repeat(65), requestId: randomUUID() },
      { intent: "rename-seal-key", keyId: sealKeyId, name: "   " },
      { intent: "add-package", keyId: sealKeyId, packageId: "0x1234", requestId: randomUUID() },
      { intent: "add-package", keyId: sealKeyId, packageId: `0x${"g".repeat(64)}`, requestId: randomUUID() },
      {
        intent: "add-package",
        keyId: sealKeyId,
        packageId: `0x${"a".repeat(64)}`,
        name: "n".repeat(65),
        requestId: randomUUID(),
      },
    ];
    for (const fields of cases) {
      expect((await post("/services/seal/keys", jar, fields)).status, JSON.stringify(fields)).toBe(400);
    }
    expect(await state(customerId)).toEqual(before);
  });

  it("limits API key creation to 5 an hour per customer (429 with Retry-After)", async () => {
    const { jar, customerId } = await customer();
    await post("/services/seal?index", jar, enableFields());
    for (let i = 0; i < 5; i++) {
      const created = await post("/services/seal/keys", jar, {
        intent: "create-api-key",
        requestId: randomUUID(),
      });
      expect(created.status).toBe(200);
    }
    const before = await state(customerId);
    const limited = await post("/services/seal/keys", jar, {
      intent: "create-api-key",
      requestId: randomUUID(),
    });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await text(limited)).toContain("at most 5 API keys an hour");
    expect(await state(customerId)).toEqual(before);
  });

  it("creates one key for a key form submitted twice", async () => {
    const { jar, customerId } = await customer();
    await post("/services/seal?index", jar, enableFields());
    const requestId = randomUUID();
    const [first, second] = await Promise.all([
      post("/services/seal/keys", jar, { intent: "create-api-key", requestId }),
      post("/services/seal/keys", jar, { intent: "create-api-key", requestId }),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 409]);
    expect((await state(customerId))?.keys).toBe(2);
  });
});

describe("activity and states", () => {
  it("filters by kind and pages 20 at a time with a cursor", async () => {
    const { jar, customerId } = await customer();
    await post("/services/seal?index", jar, enableFields());
    const { sealKeyId } = await ids(customerId);
    for (let i = 0; i < 22; i++) {
      await post("/services/seal/keys", jar, {
        intent: "rename-seal-key",
        keyId: sealKeyId,
        name: `name ${i}`,
      });
    }
    const get = async (path: string) =>
      request(app, "GET", path, undefined, { jar, headers: { accept: "text/html" } });
    const first = await text(await get("/activity"));
    const entries = (html: string) => [...html.matchAll(/<li class="flex flex-wrap items-baseline/g)].length;
    expect(entries(first)).toBe(20);
    expect(first).toContain("Renamed Seal key &quot;name 20&quot; to &quot;name 21&quot;");
    const next = /href="(\/activity\?before=[^"]+)"[^>]*>Load more/
      .exec(first)?.[1]
      ?.replaceAll("&amp;", "&");
    expect(next).toBeTruthy();
    const second = await text(await get(next ?? ""));
    expect(entries(second)).toBeGreaterThan(0);
    expect(second).toContain("Signed in");
    expect(second).not.toContain("Renamed Seal key &quot;name 20&quot;");

    const filtered = await text(await get("/activity?kind=deposit"));
    expect(entries(filtered)).toBe(1);
    expect(filtered).toContain("Deposited $500.00");
    expect((await get("/activity?kind=nonsense")).status).toBe(400);
    expect((await get("/activity?before=yesterday")).status).toBe(400);
  });

  it("shows real service states on the dashboard and in the sidebar", async () => {
    const { jar } = await customer();
    const dashboard = async () =>
      text(await request(app, "GET", "/dashboard", undefined, { jar, headers: { accept: "text/html" } }));
    expect(await dashboard()).not.toContain('aria-label="Enabled"');
    await post("/services/seal?index", jar, enableFields());
    const html = await dashboard();
    expect(html).toMatch(/href="\/services\/seal"[^>]*><span role="img" aria-label="Enabled"/);
    expect(html).toMatch(/data-testid="service-card-seal"[\s\S]*Pro[\s\S]*Manage/);
    await post("/services/seal?index", jar, { intent: "toggle", enabled: "off" });
    expect(await dashboard()).toMatch(/href="\/services\/seal"[^>]*><span role="img" aria-label="Disabled"/);
  });
});
