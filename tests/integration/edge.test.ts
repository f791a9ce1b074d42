// The edge for real: Debian's HAProxy 2.6 with the reference configuration (scripts/haproxy/)
// enforces the maps our vault task renders, logs every request in format v1 over syslog (UDP) to
// the manager's listener, and those lines become stats, logs and an invoice line with exactly the
// counts this test sent. Customers are set up over real HTTP against the app.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextMonthStart } from "#app/domain/billing/calendar.ts";
import { openMonth } from "#app/domain/billing/subscriptions.ts";
import { parseEnv } from "#app/lib/env.server.ts";
import { createLogger } from "#app/lib/logger.server.ts";
import { queryRows } from "#db/client.ts";
import { customers } from "#db/schema/index.ts";
import { runCycle } from "#manager/cycle.ts";
import { type SyslogListener, startSyslogListener } from "#manager/ingest/syslog.ts";
import { meterAll } from "#manager/tasks/meter.ts";
import { vaultTask } from "#manager/tasks/vault.ts";
import { startTestApp, type TestApp } from "#tests/support/app.ts";
import { withTestDatabase } from "#tests/support/database.ts";
import { type CookieJar, request, signIn } from "#tests/support/http.ts";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "..", "..");
const HAPROXY = ["/usr/sbin/haproxy", "/usr/local/sbin/haproxy", "/usr/bin/haproxy"].find((candidate) =>
  existsSync(candidate),
);
if (!HAPROXY) {
  console.warn(
    `\n${"!".repeat(78)}\n!! EDGE TEST SKIPPED: haproxy is not installed (apt-get install -y haproxy).\n!! .ci/run installs it; without it the HAProxy contract is NOT verified.\n${"!".repeat(78)}\n`,
  );
}

const database = withTestDatabase();
const logger = createLogger({ level: "silent" });

let app: TestApp;
let vaultDir: string;
let backend: http.Server;
let syslog: SyslogListener;
let haproxy: ChildProcess;
let edgePort: number;
let haproxyOutput = "";

interface Customer {
  customerId: number;
  jar: CookieJar;
  keys: string[];
}

/** What the test saw, per customer and status; 401s belong to nobody (the key was not known). */
const seen = new Map<number, Map<number, number>>();
let unattributed = 0;
let total = 0;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function post(pathName: string, jar: CookieJar, fields: Record<string, string | number>) {
  const body = new URLSearchParams(
    Object.entries(fields).map(([key, value]) => [key, String(value)]),
  ).toString();
  return request(app, "POST", pathName, body, {
    jar,
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" },
  });
}

async function customerWith(tier: string, apiKeys: number): Promise<Customer> {
  const session = await signIn(app);
  expect(
    (await post("/billing", session.jar, { intent: "deposit", amount: "500", requestId: randomUUID() }))
      .status,
  ).toBe(302);
  const enabled = await post("/services/seal?index", session.jar, {
    intent: "enable",
    tier,
    apiKeys,
    sealKeys: 1,
    requestId: randomUUID(),
  });
  const html = await enabled.text();
  const keys = [...html.matchAll(/data-testid="created-key"[^>]*>([A-Z2-7]{31})</g)].map(
    (match) => match[1] ?? "",
  );
  expect(keys).toHaveLength(apiKeys);
  return { customerId: session.customerId, jar: session.jar, keys };
}

/**
 * One GET through the edge on its own connection. HAProxy closes a client connection after some
 * of its own answers (`http-request return`); a pooled client could race that close and lose a
 * request the edge never saw, which would make the exact counts below flaky.
 */
function edgeGet(pathName: string, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: "127.0.0.1", port: edgePort, path: pathName, headers: { "X-API-Key": key }, agent: false },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
  });
}

/** One request through the edge; remembers what came back. */
async function send(customer: Customer | null, key: string, pathName = "/"): Promise<number> {
  const status = await edgeGet(pathName, key);
  total++;
  if (status === 401 || !customer) unattributed++;
  else {
    const statuses = seen.get(customer.customerId) ?? new Map<number, number>();
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    seen.set(customer.customerId, statuses);
  }
  return status;
}

async function sendMany(count: number, customer: Customer | null, key: string, pathName = "/") {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push(await send(customer, key, pathName));
  return statuses;
}

/**
 * Sends `count` requests at once and checks that about `rate` of them are served and the rest
 * answered 429. HAProxy's per-second rate is a sliding estimate: the previous one-second period
 * counts in proportion to the part of it still inside the window. A burst that crosses a period
 * boundary can therefore pass up to `rate` more per second it lasts into the new period (plus one
 * for the estimate's rounding); a burst inside one period passes at most `rate`.
 */
async function expectBurstLimited(customer: Customer, key: string, count: number, rate: number) {
  const started = performance.now();
  const burst = await Promise.all(Array.from({ length: count }, () => send(customer, key)));
  const seconds = (performance.now() - started) / 1_000;
  const served = burst.filter((status) => status === 200).length;
  const limited = burst.filter((status) => status === 429).length;
  const allowed = rate + Math.ceil(rate * Math.min(seconds, 1)) + 1;
  expect(served + limited, "every request is served or limited").toBe(count);
  expect(served).toBeGreaterThan(0);
  expect(served, `served in a ${seconds.toFixed(2)} s burst`).toBeLessThanOrEqual(allowed);
}

/** A manager vault run: the map files and the vault in vaultDir. */
async function writeVault() {
  const result = await runCycle(
    {
      db: database.current.handle.db,
      database: database.current.handle,
      env: parseEnv({ APP_ENV: "test", VAULT_DIR: vaultDir }),
      clock: app.services.clock,
      gateway: app.services.gateway,
      logger,
    },
    [vaultTask],
  );
  expect(result.status).toBe("ok");
}

/** A manager vault run, then the reload path the infrastructure project uses. */
async function refreshEdge() {
  await writeVault();
  const { stdout } = await run("python3", [
    path.join(root, "scripts/haproxy/apply-maps.py"),
    "--socket",
    path.join(vaultDir, "haproxy.sock"),
    "--maps-dir",
    vaultDir,
  ]);
  expect(stdout).toContain("applied api_keys.map");
}

async function waitForPort(port: number, deadline: number) {
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    if (haproxy.exitCode !== null) throw new Error(`haproxy exited:\n${haproxyOutput}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`haproxy did not listen:\n${haproxyOutput}`);
}

describe.skipIf(!HAPROXY)("the edge: HAProxy enforces the vault and its logs become usage", () => {
  let alice: Customer; // Pro, two keys: valid, revoked, allowlist
  let bob: Customer; // turns the service off
  let carol: Customer; // suspended
  let dave: Customer; // Starter: 100 requests/s

  beforeAll(async () => {
    app = await startTestApp({ database: database.current.handle });
    vaultDir = await mkdtemp(path.join(os.tmpdir(), "suiftly-edge-"));
    backend = http.createServer((req, res) => {
      res.statusCode = req.url === "/fail" ? 503 : 200;
      res.end(req.url === "/fail" ? "backend down\n" : "ok\n");
    });
    await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
    syslog = await startSyslogListener({
      handle: database.current.handle,
      port: 0,
      host: "127.0.0.1",
      logger,
      now: () => new Date(),
      flushIntervalMs: 200,
    });

    alice = await customerWith("pro", 2);
    bob = await customerWith("starter", 1);
    carol = await customerWith("starter", 1);
    dave = await customerWith("starter", 1);

    // Before HAProxy runs there is no socket to apply to: only the files.
    await writeVault();
    edgePort = await freePort();
    haproxy = spawn(HAPROXY as string, ["-db", "-f", path.join(root, "scripts/haproxy/suiftly.cfg")], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        SUIFTLY_BIND: `127.0.0.1:${edgePort}`,
        SUIFTLY_SERVICE: "seal",
        SUIFTLY_BACKEND: `127.0.0.1:${(backend.address() as AddressInfo).port}`,
        SUIFTLY_MAPS_DIR: vaultDir,
        SUIFTLY_SYSLOG: `127.0.0.1:${syslog.port}`,
        SUIFTLY_REGION: "test-1",
        SUIFTLY_SERVER_ID: "edge-test",
        SUIFTLY_RUNTIME_SOCKET: path.join(vaultDir, "haproxy.sock"),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    haproxy.stdout?.on("data", (chunk) => {
      haproxyOutput += chunk;
    });
    haproxy.stderr?.on("data", (chunk) => {
      haproxyOutput += chunk;
    });
    await waitForPort(edgePort, Date.now() + 10_000);
  }, 120_000);

  afterAll(async () => {
    haproxy?.kill("SIGTERM");
    await syslog?.close();
    await new Promise((resolve) => backend?.close(resolve));
    await app?.close();
    if (vaultDir) await rm(vaultDir, { recursive: true, force: true });
  });

  it("answers 200 for a valid key, 401 for an unknown one or none, and passes backend errors on", async () => {
    expect(new Set(await sendMany(60, alice, alice.keys[0] ?? ""))).toEqual(new Set([200]));
    expect(await send(null, "S".repeat(31))).toBe(401);
    const noKey = await fetch(`http://127.0.0.1:${edgePort}/`);
    await noKey.arrayBuffer();
    total++;
    unattributed++;
    expect(noKey.status).toBe(401);
    expect(await send(alice, alice.keys[0] ?? "", "/fail")).toBe(503);
  });

  it("refuses a revoked key with 401 once the next vault is applied, without a reload", async () => {
    const [, second = ""] = alice.keys;
    expect(await send(alice, second)).toBe(200);
    const [key] = await queryRows<{ id: number }>(
      database.current.handle.db,
      sql`select id::int from api_keys where customer_id = ${alice.customerId} order by id desc limit 1`,
    );
    const revoked = await post("/services/seal/keys", alice.jar, {
      intent: "revoke-api-key",
      keyId: key?.id ?? 0,
      confirmed: "yes",
    });
    expect(revoked.status).toBeLessThan(400);
    // The edge still has the old vault: the key works until the next one is applied.
    expect(await send(alice, second)).toBe(200);
    const pid = haproxy.pid;
    await refreshEdge();
    expect(await send(alice, second)).toBe(401);
    expect(haproxy.pid).toBe(pid);
    expect(haproxy.exitCode).toBeNull();
    expect(await send(alice, alice.keys[0] ?? "")).toBe(200);
  });

  it("refuses a suspended customer and a service turned off with 403", async () => {
    expect(await send(carol, carol.keys[0] ?? "")).toBe(200);
    expect(await send(bob, bob.keys[0] ?? "")).toBe(200);
    await database.current.handle.db
      .update(customers)
      .set({ status: "suspended", suspendedAt: new Date() })
      .where(eq(customers.customerId, carol.customerId));
    const off = await post("/services/seal?index", bob.jar, { intent: "toggle", enabled: "off" });
    expect(off.status).toBeLessThan(400);
    await refreshEdge();
    expect(await sendMany(3, carol, carol.keys[0] ?? "")).toEqual([403, 403, 403]);
    expect(await sendMany(2, bob, bob.keys[0] ?? "")).toEqual([403, 403]);
  });

  it("refuses addresses outside the IP allowlist with 403, and serves those inside it", async () => {
    const outside = await post("/services/seal?index", alice.jar, {
      intent: "allowlist",
      allowlist: "10.0.0.0/8",
    });
    expect(outside.status).toBeLessThan(400);
    await refreshEdge();
    expect(await sendMany(4, alice, alice.keys[0] ?? "")).toEqual([403, 403, 403, 403]);
    const inside = await post("/services/seal?index", alice.jar, {
      intent: "allowlist",
      allowlist: "10.0.0.0/8 127.0.0.0/8",
    });
    expect(inside.status).toBeLessThan(400);
    await refreshEdge();
    expect(new Set(await sendMany(40, alice, alice.keys[0] ?? ""))).toEqual(new Set([200]));
  });

  it("answers 429 to a burst above the tier's rate, and never within it", async () => {
    const key = dave.keys[0] ?? "";
    // Starter: 100 requests/s. 40 requests spread over a second and a half: all served.
    const paced: number[] = [];
    for (let i = 0; i < 40; i++) {
      paced.push(await send(dave, key));
      await new Promise((resolve) => setTimeout(resolve, 35));
    }
    expect(new Set(paced)).toEqual(new Set([200]));
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    // 400 at once: about 100 get through, the rest are 429.
    await expectBurstLimited(dave, key, 400, 100);
  });

  it("halves the rate of a throttled customer", async () => {
    const key = dave.keys[0] ?? "";
    await database.current.handle.db
      .update(customers)
      .set({ paymentOverdueSince: new Date() })
      .where(eq(customers.customerId, dave.customerId));
    await refreshEdge();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await expectBurstLimited(dave, key, 200, 50);
  });

  it("delivers every request HAProxy logged to stats, logs and the next invoice, with exactly the counts sent", async () => {
    // Round Alice's successful requests up to whole cents (100 requests = 1 cent), so her next
    // invoice carries all of them rather than a carried-over remainder.
    const aliceOk = () => seen.get(alice.customerId)?.get(200) ?? 0;
    await sendMany((100 - (aliceOk() % 100)) % 100, alice, alice.keys[0] ?? "");
    expect(aliceOk() % 100).toBe(0);

    // Every line arrives over syslog (UDP on loopback), parsed, none malformed.
    const deadline = Date.now() + 15_000;
    while (syslog.stats().read < total && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await syslog.flush();
    expect(syslog.stats()).toMatchObject({ read: total, malformed: 0, inserted: total });
    await meterAll(database.current.handle.db);

    // The database holds, per customer and status, exactly what the test saw.
    const rows = await queryRows<{ customer_id: number | null; status: number; n: number }>(
      database.current.handle.db,
      sql`select customer_id, status, sum(repeat)::int as n from haproxy_logs group by 1, 2`,
    );
    const stored = new Map<string, number>(
      rows.map((row) => [`${row.customer_id ?? "-"}:${row.status}`, row.n]),
    );
    for (const [customerId, statuses] of seen) {
      for (const [status, count] of statuses)
        expect(stored.get(`${customerId}:${status}`), `${customerId} ${status}`).toBe(count);
    }
    expect(stored.get("-:401")).toBe(unattributed);
    const outcomes = await queryRows<{ outcome: string; n: number }>(
      database.current.handle.db,
      sql`select outcome, sum(repeat)::int as n from haproxy_logs group by 1 order by 1`,
    );
    expect(Object.fromEntries(outcomes.map((row) => [row.outcome, row.n]))).toEqual({
      denied: 5,
      error: 1,
      ipblocked: 4,
      ok: [...seen.values()].reduce((sum, statuses) => sum + (statuses.get(200) ?? 0), 0),
      ratelimited: seen.get(dave.customerId)?.get(429) ?? 0,
      unauthorized: unattributed,
    });

    // Alice's Stats tab counts every request of hers the edge attributed to her.
    const aliceTotal = [...(seen.get(alice.customerId)?.values() ?? [])].reduce((sum, n) => sum + n, 0);
    const stats = await request(app, "GET", "/services/seal/stats", undefined, {
      jar: alice.jar,
      headers: { accept: "text/html" },
    });
    const statsHtml = (await stats.text()).replaceAll("<!-- -->", "");
    expect(/data-testid="total-requests"[^>]*>([^<]+)</.exec(statsHtml)?.[1]?.replaceAll(",", "")).toBe(
      String(aliceTotal),
    );
    // Her Logs tab lists the requests refused by the allowlist.
    const logs = await request(app, "GET", "/services/seal/logs?outcome=ipblocked", undefined, {
      jar: alice.jar,
      headers: { accept: "text/html" },
    });
    const logsHtml = (await logs.text()).replaceAll("<!-- -->", "");
    // Identical lines arriving together are stored once with a repeat count (shown as ×n).
    const logRows = logsHtml.split(' data-row="').slice(1);
    expect(logRows.length).toBeGreaterThan(0);
    expect(logRows.every((row) => /data-testid="log-status"[^>]*>403</.test(row))).toBe(true);
    expect(logRows.reduce((sum, row) => sum + Number(/×(\d+)/.exec(row)?.[1] ?? 1), 0)).toBe(4);

    // Her next invoice (the month close) bills exactly her successful requests.
    const now = app.services.clock.now();
    const result = await openMonth(
      {
        db: database.current.handle.db,
        database: database.current.handle,
        gateway: app.services.gateway,
        clock: app.services.clock,
      },
      alice.customerId,
      nextMonthStart(now),
    );
    expect(result?.status).toBe("paid");
    const [usage] = await queryRows<{ quantity: number; amount_cents: number }>(
      database.current.handle.db,
      sql`select li.quantity::int, li.amount_cents::int from billing_line_items li
            join billing_records r on r.id = li.invoice_id
           where r.customer_id = ${alice.customerId} and li.item_type = 'usage'`,
    );
    expect(usage).toEqual({ quantity: aliceOk(), amount_cents: aliceOk() / 100 });
  }, 60_000);
});
