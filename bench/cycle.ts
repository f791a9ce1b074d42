// bench:cycle — one full manager cycle (ingest, meter, bill, balances, Seal registrations, vault,
// cleanup) for 10,000 active customers, then a second, steady-state cycle five minutes later.
// Goal: each cycle under 10 s.
//
//   npm run bench:cycle                  10,000 customers
//   BENCH_SCALE=0.1 npm run bench:cycle  a quick smoke run
//   BENCH_USAGE_HOURS=336 …              stress: two weeks of never-invoiced usage, so every customer
//                                        is due a usage invoice in the first cycle (see BENCHMARKS.md)
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { monthKey } from "#app/domain/billing/calendar.ts";
import { fixedClock } from "#app/domain/clock.ts";
import { MockSuiGateway } from "#app/domain/mock-sui-gateway.ts";
import { parseEnv } from "#app/lib/env.server.ts";
import { createLogger } from "#app/lib/logger.server.ts";
import { seedDatabase } from "#db/seed.ts";
import { type CycleResult, runCycle } from "#manager/cycle.ts";
import { managerTasks } from "#manager/tasks/index.ts";
import { TextFileWriter } from "./files.ts";
import { createCustomers, createFailedInvoices, createUsage, tableCounts } from "./fixtures.ts";
import {
  describeMachine,
  fmtInt,
  fmtMs,
  fmtSeconds,
  printTable,
  runBench,
  scaled,
  seededRandom,
  timed,
  verdict,
  withBenchDatabase,
} from "./support.ts";
import { generateTraffic, syslogLine, trafficCustomers } from "./traffic.ts";

const GOAL_MS = 10_000;
const CUSTOMERS = scaled(10_000, 100);
const LINES_PER_CYCLE = scaled(5_000, 100);
const USAGE_HOURS = Number(process.env.BENCH_USAGE_HOURS || 24);
if (!Number.isInteger(USAGE_HOURS) || USAGE_HOURS < 1)
  throw new Error("BENCH_USAGE_HOURS must be a positive integer");
const CYCLE_MS = 5 * 60_000;
/** Customer i has 1 API key, every third customer 2. */
const KEYS_SQL = "(case when i % 3 = 0 then 2 else 1 end)";
const keysOf = (i: number) => (i % 3 === 0 ? 2 : 1);

function compact(detail: Record<string, unknown> | undefined): string {
  if (!detail) return "";
  return Object.entries(detail)
    .filter(([key, value]) => key !== "contentHash" && value !== 0)
    .map(([key, value]) => `${key} ${typeof value === "number" ? fmtInt(value) : String(value)}`)
    .join(", ");
}

async function main(): Promise<number> {
  return withBenchDatabase(
    "cycle",
    async ({ handle }) => {
      console.log(`bench:cycle — ${await describeMachine(handle)}`);
      const dir = await mkdtemp(path.join(tmpdir(), "suiftly-bench-cycle-"));
      try {
        // The middle of the current month: no month boundary inside the benchmark.
        const today = new Date();
        const clock = fixedClock(
          new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 15, 12, 0, 0)),
        );
        const start = clock.now();
        const logFile = path.join(dir, "haproxy.log");
        const env = parseEnv({
          APP_ENV: "test",
          VAULT_DIR: path.join(dir, "vault"),
          LOG_LEVEL: "silent",
          INGEST_FILES: logFile,
        });
        const logger = createLogger({ level: env.logLevel });

        const setup = await timed(async () => {
          await seedDatabase(handle.db, clock);
          await createCustomers(handle.db, {
            count: CUSTOMERS,
            month: monthKey(start),
            createdAt: new Date(start.getTime() - 10 * 86_400_000),
            keysSql: KEYS_SQL,
            sealKeys: true,
          });
          await createUsage(handle.db, { count: CUSTOMERS, hours: USAGE_HOURS, until: start });
          await createFailedInvoices(handle.db, {
            count: CUSTOMERS,
            failedAt: new Date(start.getTime() - 2 * 86_400_000),
          });
          await handle.db.execute(sql`vacuum analyze`);
        });
        const counts = await tableCounts(handle.db, [
          "customers",
          "escrow_accounts",
          "service_instances",
          "api_keys",
          "seal_keys",
          "usage_hourly",
          "billing_records",
        ]);
        console.log(
          `data created in ${fmtSeconds(setup.ms)}: ${Object.entries(counts)
            .map(([table, n]) => `${table} ${fmtInt(n)}`)
            .join(", ")}`,
        );

        // Fresh log lines for each cycle: the five minutes before it.
        const random = seededRandom(10_000);
        const customers = trafficCustomers(CUSTOMERS, keysOf, random);
        const appendLines = async (fromMs: number) => {
          const writer = new TextFileWriter(logFile, "a");
          for (const record of generateTraffic(customers, {
            startMs: fromMs,
            endMs: fromMs + CYCLE_MS,
            count: LINES_PER_CYCLE,
            random,
          })) {
            await writer.write(`${syslogLine(record)}\n`);
          }
          await writer.close();
        };

        const deps = {
          db: handle.db,
          database: handle,
          env,
          clock,
          gateway: new MockSuiGateway(handle.db, clock),
          logger,
        };
        const cycles: { label: string; ms: number; result: CycleResult }[] = [];
        for (const label of ["first cycle", "steady state (+5 min)"]) {
          if (cycles.length > 0) clock.advance(CYCLE_MS);
          await appendLines(clock.now().getTime() - CYCLE_MS);
          const { ms, value } = await timed(() => runCycle(deps, managerTasks()));
          if (value.status !== "ok") {
            throw new Error(
              `${label}: cycle ${value.status}: ${JSON.stringify(value.tasks.filter((t) => t.status !== "ok"))}`,
            );
          }
          cycles.push({ label, ms, result: value });
          console.log(`${label}: ${fmtSeconds(ms)}`);
        }

        const [first, second] = cycles;
        if (!first || !second) throw new Error("cycles missing");
        const rows = first.result.tasks.map((task, index) => {
          const next = second.result.tasks[index];
          return [
            task.task,
            fmtMs(task.durationMs),
            compact(task.detail),
            fmtMs(next?.durationMs ?? 0),
            compact(next?.detail),
          ];
        });
        rows.push(["whole cycle (wall clock)", fmtMs(first.ms), "", fmtMs(second.ms), ""]);
        printTable(
          `bench:cycle — ${fmtInt(CUSTOMERS)} active customers (${fmtInt(counts.api_keys ?? 0)} API keys, ${fmtInt(counts.seal_keys ?? 0)} Seal keys, ${fmtInt(counts.usage_hourly ?? 0)} usage_hourly rows), ${fmtInt(LINES_PER_CYCLE)} new log lines per cycle`,
          ["task", "first cycle", "what it did", "steady state", "what it did"],
          rows,
        );
        const results = cycles.map((cycle) => ({ ...cycle, pass: cycle.ms < GOAL_MS }));
        printTable(
          "Result",
          ["benchmark", "goal", "measured", "result"],
          results.map((cycle) => [
            `manager cycle, ${cycle.label}`,
            `< ${GOAL_MS / 1000} s`,
            fmtSeconds(cycle.ms),
            verdict(cycle.pass),
          ]),
        );
        return results.every((cycle) => cycle.pass) ? 0 : 1;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    { poolMax: 6 },
  );
}

runBench(main);
