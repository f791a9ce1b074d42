// A sweep of hostile and malformed requests against every route, signed in and not: whatever
// arrives, the answer is a deliberate 2xx–4xx, never a 500, and nothing a customer owns changes
// unless the request was a valid one. The per-form tests check each field's error message; this
// checks that nothing falls through the cracks between them.
import { randomUUID } from "node:crypto";
import http from "node:http";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "#db/client.ts";
import { startTestApp, type TestApp } from "#tests/support/app.ts";
import { withTestDatabase } from "#tests/support/database.ts";
import { type CookieJar, request, signIn } from "#tests/support/http.ts";

const database = withTestDatabase();
let app: TestApp;
let owner: { jar: CookieJar; customerId: number };

const FORM = { "content-type": "application/x-www-form-urlencoded", accept: "text/html" };

function form(fields: Record<string, string>): string {
  return new URLSearchParams(Object.entries(fields)).toString();
}

beforeAll(async () => {
  app = await startTestApp({ database: database.current.handle });
  owner = await signIn(app);
  const post = (path: string, fields: Record<string, string>) =>
    request(app, "POST", path, form(fields), { jar: owner.jar, headers: FORM });
  expect((await post("/billing", { intent: "deposit", amount: "500", requestId: randomUUID() })).status).toBe(
    302,
  );
  const enabled = await post("/services/seal?index", {
    intent: "enable",
    tier: "pro",
    apiKeys: "1",
    sealKeys: "1",
    requestId: randomUUID(),
  });
  expect(enabled.status).toBeLessThan(400);
});
afterAll(async () => {
  await app?.close();
});

/** Everything the owner has that a request could change, as one comparable snapshot. */
async function ownerState() {
  const [row] = await queryRows<Record<string, unknown>>(
    database.current.handle.db,
    sql`select
      (select row_to_json(c) from (select status, spending_limit_cents from customers where customer_id = ${owner.customerId}) c) as customer,
      (select json_agg(s order by s.id) from (select id, state, enabled, tier, burst_enabled, ip_allowlist, scheduled_changes from service_instances where customer_id = ${owner.customerId}) s) as services,
      (select json_agg(k order by k.id) from (select id, revoked_at, deleted_at from api_keys where customer_id = ${owner.customerId}) k) as api_keys,
      (select json_agg(k order by k.id) from (select id, name, state, revoked_at from seal_keys where customer_id = ${owner.customerId}) k) as seal_keys,
      (select count(*)::int from escrow_transactions where customer_id = ${owner.customerId}) as transactions,
      (select count(*)::int from billing_records where customer_id = ${owner.customerId}) as invoices`,
  );
  return row;
}

/** A server error, except /health/manager's 503: no manager cycle runs in this test. */
function serverError(path: string, status: number): boolean {
  return status >= 500 && !(path.startsWith("/health/manager") && status === 503);
}

const PAGES = [
  "/",
  "/dashboard",
  "/login",
  "/services/seal",
  "/services/seal/keys",
  "/services/seal/stats",
  "/services/seal/logs",
  "/services/grpc",
  "/services/graphql",
  "/billing",
  "/billing/invoices/1",
  "/billing/transactions",
  "/settings/spending-limit",
  "/activity",
  "/support",
  "/auth/challenge",
  "/auth/verify",
  "/auth/logout",
  "/auth/session",
  "/health",
  "/health/manager",
  "/theme",
];

const HOSTILE_QUERIES = [
  "?range=%3Cscript%3E",
  "?range=1h&range=30d&status=5xx&status=9xx",
  "?cursor=%FF%FE&older=%00&newer=zz",
  "?older=9999999999999999999999.1&newer=-1",
  "?key=-1&service=..%2F..&outcome=__proto__",
  "?kind=constructor&page=1e309&before=NaN",
  "?redirectTo=%2F%2Fevil.example&redirectTo=javascript:alert(1)",
  `?status=${"x".repeat(8_000)}`,
  "?%E0%A4%A=1&a=%",
];

const HOSTILE_PATHS = [
  "/billing/invoices/abc",
  "/billing/invoices/-1",
  "/billing/invoices/1e3",
  "/billing/invoices/99999999999999999999999",
  "/billing/invoices/%00",
  "/services/%00",
  "/services/seal%2F..%2F..%2Fbilling",
  "/services/__proto__/keys",
  "/services/SEAL/logs",
  "/%E0%A4%A",
  "/services/seal/logs/../../billing",
];

/**
 * Requests that are valid whatever the other fields say: buttons without fields (undoing nothing
 * is a no-op; cancelling asks for confirmation first) and an empty IP allowlist (allow everyone,
 * as the owner's list already does). The state check at the end still proves nothing changed.
 */
function acceptsAnything(intent: string, value: string): boolean {
  return (
    ["cancel", "undo-cancel", "undo-schedule"].includes(intent) || (intent === "allowlist" && value === "")
  );
}

/** The actions that choose what to do by the form's `intent`. */
const INTENT_ACTIONS = ["/billing", "/services/seal?index", "/services/seal/keys", "/services/grpc?index"];

const INTENTS = [
  "",
  "deposit",
  "withdraw",
  "enable",
  "change-plan",
  "allowlist",
  "recalculate",
  "toggle",
  "cancel",
  "undo-cancel",
  "undo-schedule",
  "create-api-key",
  "revoke-api-key",
  "delete-api-key",
  "create-seal-key",
  "rename-seal-key",
  "revoke-seal-key",
  "add-package",
  "rename-package",
  "delete-package",
  "__proto__",
];

/** Field values that have broken parsers elsewhere: overflow, NaN, signs, unicode, huge, empty. */
const HOSTILE_VALUES = [
  "",
  "-1",
  "1e309",
  "NaN",
  "99999999999999999999999",
  "0x10",
  "１２",
  "12.345",
  "$-5",
  "\u0000",
  "<img src=x onerror=alert(1)>",
  "'; drop table customers; --",
  "a".repeat(20_000),
];

const FIELDS = [
  "amount",
  "tier",
  "apiKeys",
  "sealKeys",
  "packagesPerKey",
  "burstEnabled",
  "allowlist",
  "keyId",
  "sealKeyId",
  "packageId",
  "name",
  "enabled",
  "confirmed",
  "requestId",
  "limit",
  "theme",
  "digest",
];

describe("hostile input", () => {
  it("answers every page with hostile queries and paths without a server error", async () => {
    const failures: string[] = [];
    for (const jar of [owner.jar, undefined]) {
      for (const path of [
        ...PAGES.flatMap((page) => HOSTILE_QUERIES.map((query) => page + query)),
        ...HOSTILE_PATHS,
      ]) {
        for (const accept of ["text/html", "application/json"]) {
          const response = await request(app, "GET", path, undefined, {
            ...(jar ? { jar } : {}),
            headers: { accept },
          });
          await response.arrayBuffer();
          if (serverError(path, response.status))
            failures.push(
              `GET ${path.slice(0, 100)} (${accept}, ${jar ? "owner" : "anonymous"}) → ${response.status}`,
            );
        }
      }
    }
    expect(failures).toEqual([]);
    // A path that is not valid percent-encoding is refused before any route runs.
    expect((await request(app, "GET", "/%E0%A4%A")).status).toBe(400);
  }, 120_000);

  it("refuses hostile form posts with a 4xx and changes nothing", async () => {
    const before = await ownerState();
    const failures: string[] = [];
    const post = async (path: string, intent: string, value: string) => {
      const fields: Record<string, string> = { intent };
      for (const field of FIELDS) fields[field] = value;
      const response = await request(app, "POST", path, form(fields), { jar: owner.jar, headers: FORM });
      await response.arrayBuffer();
      if (response.status >= 500 || (response.status < 400 && !acceptsAnything(intent, value))) {
        failures.push(
          `POST ${path} intent=${intent} value=${JSON.stringify(value.slice(0, 20))} → ${response.status}`,
        );
      }
    };
    // Every intent with every value where actions dispatch on the intent; every value elsewhere.
    // Logging out takes no fields, so it succeeds whatever is sent (and would end the session).
    for (const path of INTENT_ACTIONS) {
      for (const intent of INTENTS) for (const value of HOSTILE_VALUES) await post(path, intent, value);
    }
    const others = PAGES.filter(
      (page) => !page.startsWith("/health") && page !== "/auth/logout" && !INTENT_ACTIONS.includes(page),
    );
    for (const path of others) for (const value of HOSTILE_VALUES) await post(path, "", value);
    // Without a session every intent is sent to sign in (or refused), never a server error.
    for (const path of INTENT_ACTIONS) {
      for (const intent of INTENTS) {
        const response = await request(
          app,
          "POST",
          path,
          form({ intent, amount: "5", requestId: randomUUID() }),
          {
            headers: FORM,
          },
        );
        await response.arrayBuffer();
        if (response.status >= 500)
          failures.push(`POST ${path} intent=${intent} (anonymous) → ${response.status}`);
      }
    }
    expect(failures).toEqual([]);
    expect(await ownerState()).toEqual(before);
  }, 120_000);

  it("refuses malformed bodies, wrong content types and other methods without a server error", async () => {
    const before = await ownerState();
    const bodies: Array<[string, string | Uint8Array]> = [
      ["application/x-www-form-urlencoded", "%E0%A4%A=%&intent=%"],
      ["application/x-www-form-urlencoded", "a".repeat(2_000_000)],
      ["application/json", "{not json"],
      ["application/json", JSON.stringify({ intent: "deposit", amount: "5", requestId: randomUUID() })],
      [
        "multipart/form-data; boundary=x",
        "--x\r\nContent-Disposition: form-data; name=intent\r\n\r\ndeposit\r\n",
      ],
      ["multipart/form-data", "no boundary"],
      ["text/plain", "intent=deposit&amount=5"],
      ["application/octet-stream", new Uint8Array([0xff, 0xfe, 0x00, 0x01])],
    ];
    const failures: string[] = [];
    for (const [who, jar] of [
      ["owner", owner.jar],
      ["anonymous", undefined],
    ] as const) {
      for (const path of PAGES.filter((page) => page !== "/auth/logout")) {
        for (const [type, body] of bodies) {
          const response = await request(app, "POST", path, body, {
            ...(jar ? { jar } : {}),
            headers: { "content-type": type, accept: "text/html" },
          });
          await response.arrayBuffer();
          if (serverError(path, response.status))
            failures.push(`POST ${path} (${type}, ${who}) → ${response.status}`);
        }
        for (const method of ["PUT", "PATCH", "DELETE", "OPTIONS"]) {
          const response = await request(app, method, path, "x=1", {
            ...(jar ? { jar } : {}),
            headers: FORM,
          });
          await response.arrayBuffer();
          if (serverError(path, response.status))
            failures.push(`${method} ${path} (${who}) → ${response.status}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(await ownerState()).toEqual(before);
  });

  it("answers a form action sent JSON with 415 and a form it cannot parse with 400", async () => {
    const before = await ownerState();
    const post = (path: string, type: string, body: string) =>
      request(app, "POST", path, body, {
        jar: owner.jar,
        headers: { "content-type": type, accept: "text/html" },
      });
    const json = await post(
      "/billing",
      "application/json",
      JSON.stringify({ intent: "deposit", amount: "5" }),
    );
    expect(json.status).toBe(415);
    expect((await post("/settings/spending-limit", "text/plain", "limit=500")).status).toBe(415);
    expect((await post("/services/seal/keys", "multipart/form-data", "intent=create-api-key")).status).toBe(
      400,
    );
    const challenge = await post("/auth/challenge", "multipart/form-data", "address=0x1");
    expect(challenge.status).toBe(400);
    expect(await challenge.json()).toMatchObject({ error: { code: "malformed_form" } });
    expect(await ownerState()).toEqual(before);
  });

  it("keeps a keep-alive connection usable after refusing a body it did not read", async () => {
    // One socket for everything: the next request can only be answered if the refused body was
    // drained from the connection, not left paused in it.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = (method: string, path: string, body?: string) =>
      new Promise<{ status: number; socket: unknown }>((resolve, reject) => {
        const url = new URL(path, app.baseUrl);
        const req = http.request(
          url,
          {
            method,
            agent,
            timeout: 5_000,
            headers: {
              origin: url.origin,
              cookie: owner.jar.header(),
              "content-type": "application/x-www-form-urlencoded",
              ...(body === undefined ? {} : { "content-length": Buffer.byteLength(body) }),
            },
          },
          (response) => {
            response.resume();
            response.on("end", () => resolve({ status: response.statusCode ?? 0, socket: req.socket }));
          },
        );
        req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer in 5 s`)));
        req.on("error", reject);
        req.end(body);
      });
    try {
      const refused = await send("POST", "/billing", `intent=deposit&amount=${"9".repeat(300_000)}`);
      expect(refused.status).toBe(413);
      const next = await send("GET", "/health");
      expect(next.status).toBe(200);
      expect(next.socket).toBe(refused.socket);
      const forbidden = await send("POST", "/billing", "intent=deposit&amount=5");
      expect(forbidden.status).toBeLessThan(500);
      expect((await send("GET", "/health")).status).toBe(200);
    } finally {
      agent.destroy();
    }
  });
});
