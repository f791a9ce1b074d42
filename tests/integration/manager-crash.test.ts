// Exactly once, under fire: the manager's ingest and its cycle (meter, bill, …) run as real
// processes, concurrently, and are killed with SIGKILL at random moments, over and over. At the
// end, the hourly usage and the money must equal a crash-free run on the same input, to the
// request and to the cent.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openMonth } from "#app/domain/billing/subscriptions.ts";
import { fixedClock, systemClock } from "#app/domain/clock.ts";
import { formatLogLine, type LogRecord } from "#app/domain/log-format.ts";
import { MockSuiGateway } from "#app/domain/mock-sui-gateway.ts";
import { enableService } from "#app/domain/service-operations.ts";
import { type DatabaseHandle, queryRows } from "#db/client.ts";
import { customers } from "#db/schema/index.ts";
import { deposit } from "#tests/support/billing.ts";
import { createTestDatabase, type TestDatabase } from "#tests/support/database.ts";
import { nodeBinary } from "#tests/support/server-process.ts";

const root = path.resolve(import.meta.dirname, "..", "..");
const dir = mkdtempSync(path.join(tmpdir(), "suiftly-crash-"));
const logFile = path.join(dir, "haproxy.log");
const CUSTOMERS = [101, 102, 103];
const LINES = 240_000;
const ITERATIONS = 12;

type Db = TestDatabase & { drop(): Promise<void> };
let crashy: Db;
let clean: Db;

function wallet(customerId: number) {
  return `0x${customerId.toString(16).padStart(64, "0")}`;
}

async function fixture(handle: DatabaseHandle) {
  const deps = {
    db: handle.db,
    database: handle,
    clock: systemClock,
    gateway: new MockSuiGateway(handle.db, systemClock),
  };
  for (const customerId of CUSTOMERS) {
    await handle.db.insert(customers).values({ customerId, walletAddress: wallet(customerId) });
    await deposit(deps, { customerId, walletAddress: wallet(customerId) }, 100_000);
    await enableService(
      deps,
      { customerId, address: wallet(customerId), ip: null },
      {
        serviceType: "seal",
        tier: "pro",
        burstEnabled: false,
        apiKeys: 1,
        sealKeys: 0,
        requestId: `00000000-0000-4000-8000-${String(customerId).padStart(12, "0")}`,
      },
    );
  }
}

function writeLogFile() {
  const now = Date.now();
  const outcomes: LogRecord["outcome"][] = ["ok", "ok", "ok", "ok", "ok", "ratelimited", "denied", "error"];
  let text = "";
  for (let i = 0; i < LINES; i++) {
    const record: LogRecord = {
      tsMs: now - (i % 3_000) * 1_000 - (i % 999),
      region: ["us-east", "us-west", "eu-frankfurt"][i % 3] ?? "us-east",
      serverId: `edge-${i % 5}`,
      service: i % 4 === 0 ? "grpc" : "seal",
      customerId: i % 23 === 0 ? null : (CUSTOMERS[i % CUSTOMERS.length] ?? 101),
      keyFp: "0123456789abcdef",
      clientIp: `198.51.100.${i % 250}`,
      method: "POST",
      status: i % 11 === 0 ? 500 : i % 13 === 0 ? 404 : 200,
      bytesIn: 100 + (i % 77),
      bytesOut: 1_000 + (i % 911),
      tTotalMs: (i * 37) % 4_000,
      tBackendMs: (i * 31) % 3_000,
      outcome: outcomes[i % outcomes.length] ?? "ok",
    };
    text += `<134>Nov 28 10:00:00 edge haproxy[1]: ${formatLogLine(record)}\n`;
    if (i % 50 === 49) text += "garbage that is not a log line\n";
  }
  writeFileSync(logFile, text);
}

function manager(database: Db, args: string[]) {
  const child = spawn(nodeBinary, ["manager/main.ts", ...args], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      APP_ENV: "test",
      DATABASE_URL: database.url,
      LOG_LEVEL: "silent",
      VAULT_DIR: path.join(dir, `vault-${database.name}`),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: () => string }>(
    (resolve) => child.once("exit", (code, signal) => resolve({ code, signal, output: () => output })),
  );
  return { child, exited };
}

async function runToCompletion(database: Db, args: string[]) {
  const result = await manager(database, args).exited;
  if (result.code !== 0)
    throw new Error(`manager ${args.join(" ")} exited ${result.code}: ${result.output()}`);
  return result.output();
}

async function usageRows(handle: DatabaseHandle) {
  return queryRows(
    handle.db,
    sql`select customer_id, service, hour::text, requests, billable, client_errors, server_errors, denied,
               rate_limited, ip_blocked, unauthorized, bytes_in, bytes_out, latency_sum_ms, latency_histogram::text
          from usage_hourly order by customer_id, service, hour`,
  );
}

async function money(handle: DatabaseHandle) {
  const perCustomer = await queryRows<{
    customer_id: number;
    service: string | null;
    requests: string;
    cents: string;
  }>(
    handle.db,
    sql`select r.customer_id, li.service_type as service, sum(li.quantity)::text as requests, sum(li.amount_cents)::text as cents
          from billing_line_items li join billing_records r on r.id = li.invoice_id
         where li.item_type = 'usage' and r.status = 'paid'
         group by 1, 2 order by 1, 2`,
  );
  const [integrity] = await queryRows<Record<string, string>>(
    handle.db,
    sql`select
          (select count(*) from billing_records where status not in ('paid'))::text as unpaid,
          (select count(*) - count(distinct (customer_id, idempotency_key)) from billing_records)::text as duplicate_keys,
          (select coalesce(sum(amount_cents), 0) from billing_records where status = 'paid')::text as paid,
          (select coalesce(sum(amount_cents), 0) from escrow_transactions where kind = 'charge')::text as charged,
          (select coalesce(sum(amount_cents), 0) from mock_chain_transactions where kind = 'charge' and status = 'success')::text as on_chain`,
  );
  return { perCustomer, integrity };
}

beforeAll(async () => {
  writeLogFile();
  [crashy, clean] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  await fixture(crashy.handle);
  await fixture(clean.handle);
}, 120_000);

afterAll(async () => {
  await crashy?.drop();
  await clean?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the manager, killed at random points", () => {
  it("ends with the same usage and the same invoices as a crash-free run", async () => {
    // Crash-free reference.
    expect(JSON.parse(await runToCompletion(clean, ["ingest", logFile]))).toMatchObject({
      read: LINES + LINES / 50,
      inserted: LINES,
      malformed: LINES / 50,
    });
    await runToCompletion(clean, ["once"]);

    // The same work, with ingest and the cycle racing each other and SIGKILLed again and again.
    let killed = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const ingest = manager(crashy, ["ingest", logFile]);
      const cycle = manager(crashy, ["once"]);
      await new Promise((resolve) => setTimeout(resolve, 250 + Math.random() * 1_500));
      for (const running of [ingest, cycle]) {
        if (running.child.exitCode === null && running.child.signalCode === null) {
          running.child.kill("SIGKILL");
          killed++;
        }
      }
      await Promise.all([ingest.exited, cycle.exited]);
    }
    expect(killed).toBeGreaterThan(ITERATIONS / 2);
    await runToCompletion(crashy, ["ingest", logFile]);
    await runToCompletion(crashy, ["once"]);
    expect(JSON.parse(await runToCompletion(crashy, ["ingest", logFile]))).toMatchObject({
      read: 0,
      inserted: 0,
    });

    // Every request metered once.
    expect(await usageRows(crashy.handle)).toEqual(await usageRows(clean.handle));

    // Close the month in both: everything metered is now invoiced, whole cents per service.
    const nextMonth = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() + 1, 1, 0, 5));
    for (const database of [crashy, clean]) {
      const clock = fixedClock(nextMonth);
      const deps = {
        db: database.handle.db,
        database: database.handle,
        clock,
        gateway: new MockSuiGateway(database.handle.db, clock),
      };
      for (const customerId of CUSTOMERS) await openMonth(deps, customerId, nextMonth);
    }
    const [crashyMoney, cleanMoney] = [await money(crashy.handle), await money(clean.handle)];
    expect(crashyMoney.perCustomer).toEqual(cleanMoney.perCustomer);
    expect(crashyMoney.perCustomer.length).toBeGreaterThan(0);
    for (const result of [crashyMoney, cleanMoney]) {
      expect(result.integrity).toMatchObject({ unpaid: "0", duplicate_keys: "0" });
      expect(result.integrity?.paid).toBe(result.integrity?.charged);
      expect(result.integrity?.charged).toBe(result.integrity?.on_chain);
    }
  }, 300_000);

  it("lets only one manager run a cycle at a time", async () => {
    // Hold the cycle lock the way a running manager does, from another session.
    const { MANAGER_LOCK_KEY } = await import("#manager/lock.ts");
    const pool = crashy.handle.pool;
    if (!pool) throw new Error("PostgreSQL only");
    const holder = await pool.connect();
    try {
      await holder.query("select pg_advisory_lock($1)", [MANAGER_LOCK_KEY.toString()]);
      const skipped = await manager(crashy, ["once"]).exited;
      expect(skipped.code).toBe(3);
      expect(JSON.parse(skipped.output().trim().split("\n").at(-1) ?? "{}")).toMatchObject({
        status: "skipped",
      });
    } finally {
      await holder.query("select pg_advisory_unlock($1)", [MANAGER_LOCK_KEY.toString()]);
      holder.release();
    }
    // Two started at once: each either ran its cycle or skipped; never two at the same time.
    const [a, b] = await Promise.all([manager(crashy, ["once"]).exited, manager(crashy, ["once"]).exited]);
    expect([a.code, b.code].every((code) => code === 0 || code === 3)).toBe(true);
    const overlapping = await queryRows<{ n: number }>(
      crashy.handle.db,
      sql`select count(*)::int as n from (
            select cycle_id, min(started_at) as s, max(finished_at) as f from worker_runs group by cycle_id
          ) x join (
            select cycle_id, min(started_at) as s, max(finished_at) as f from worker_runs group by cycle_id
          ) y on x.cycle_id < y.cycle_id and x.s < y.f and y.s < x.f`,
    );
    expect(overlapping[0]?.n).toBe(0);
  }, 60_000);
});
