// bench:http — throughput and latency of the dashboard's pages over real HTTP, against the
// production build (server.js, NODE_ENV=production, APP_ENV=production) on a database holding a
// month of traffic: 1,000 customers, 10,000,000 request-log rows, their hourly usage rollups.
// autocannon drives 50 keep-alive connections at each URL for a fixed time; signed-in pages rotate
// over the session cookies of customers who signed in with real Ed25519 signatures.
// Goals: each page ≥ 0.3 × the throughput of /health measured in the same run, and p99 < 100 ms.
//
//   npm run bench:http                    full size (loading the data takes a minute or two)
//   BENCH_SCALE=0.01 npm run bench:http   a quick smoke run (also 3 s per URL instead of 10 s)
//   BENCH_DURATION=30 BENCH_WARMUP=5 …    seconds per URL / of warm-up before each
//   BENCH_CONNECTIONS=50, BENCH_SESSIONS=20, BENCH_LOG_LEVEL=info (the server's LOG_LEVEL)
//   BENCH_SAMPLE_QUERIES=1                 also print the statements the server's backends run most
//   BENCH_CPU_PROF=/tmp/prof               the server writes a V8 CPU profile there (node --cpu-prof)
//   BENCH_PAGES=/dashboard                 only these pages (comma-separated, exact URLs as below)
//   BENCH_WORKERS=2                        server processes: 2 (default) runs server.js as node:cluster
//                                          workers sharing the port, as PM2's cluster mode does in
//                                          production (ecosystem.config.cjs, 2 instances); 1 runs a
//                                          single plain `node server.js`
//   BENCH_PAGE_CACHE_MB=0                  the server's PAGE_CACHE_MB (default: the server's default,
//                                          32): 0 renders every page, as for a first view of new data
//   BENCH_KEEP_DATABASE=1                  keep the loaded database; BENCH_DATABASE=<name> reuses it
//                                          (same BENCH_SCALE; bench:plans reads the same data set)
import path from "node:path";
import { sql } from "drizzle-orm";
import { type DatabaseHandle, queryRows } from "#db/client.ts";
import { ensureLogPartitions } from "#db/partitions.ts";
import { PARTITION_DAYS_AHEAD } from "#db/seed.ts";
import {
  createHttpCustomers,
  defaultSessions,
  type HttpDataOptions,
  httpDataSize,
  loadHttpLogs,
  meterAndAnalyze,
  recordHttpDataSet,
  spreadIndexes,
  storedHttpDataSet,
} from "./http-data.ts";
import { type LoadResult, PAGE_HEADERS, runLoad } from "./http-load.ts";
import {
  cpuBetween,
  cpuSnapshot,
  type DbCounters,
  dbCounters,
  QuerySampler,
  STATS_SETTLE_MS,
} from "./http-probe.ts";
import {
  ensureProductionBuild,
  gitCommit,
  type ProductionServer,
  startProductionServer,
} from "./http-server.ts";
import { type BenchSession, benchKeypair, signInAll } from "./http-session.ts";
import {
  benchScale,
  describeMachine,
  fmtInt,
  fmtSeconds,
  printTable,
  runBench,
  timed,
  verdict,
  withBenchDatabase,
} from "./support.ts";

const GOAL_RATIO = 0.3;
const GOAL_P99_MS = 100;
const DAY_MS = 86_400_000;
const SMOKE = benchScale() < 1;

function envInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer: ${raw}`);
  return value;
}

const { customers: CUSTOMERS, logRows: LOG_ROWS, days: DAYS } = httpDataSize();
const SESSIONS = Math.min(CUSTOMERS, envInteger("BENCH_SESSIONS", defaultSessions()));
const CONNECTIONS = envInteger("BENCH_CONNECTIONS", 50);
const WORKERS = envInteger("BENCH_WORKERS", 2);
const DURATION_S = envInteger("BENCH_DURATION", SMOKE ? 3 : 10);
const WARMUP_S = envInteger("BENCH_WARMUP", SMOKE ? 1 : 3);
/** BENCH_SAMPLE_QUERIES=1: sample pg_stat_activity during each run and print the busiest statements. */
const SAMPLE_QUERIES = ["1", "true", "yes"].includes(process.env.BENCH_SAMPLE_QUERIES ?? "");
/** BENCH_CPU_PROF=<dir>: the server writes a V8 CPU profile there when it stops (node --cpu-prof). */
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF?.trim() || undefined;
/** BENCH_PAGE_CACHE_MB: the server's page cache (PAGE_CACHE_MB); unset = the server's default. */
const PAGE_CACHE_MB = process.env.BENCH_PAGE_CACHE_MB?.trim() || undefined;

interface Endpoint {
  path: string;
  signedIn: boolean;
}

const HEALTH: Endpoint = { path: "/health", signedIn: false };
const ALL_PAGES: Endpoint[] = [
  { path: "/dashboard", signedIn: true },
  { path: "/services/seal/stats?range=30d", signedIn: true },
  { path: "/services/seal/logs", signedIn: true },
  { path: "/services/seal/logs?status=5xx", signedIn: true },
];
/** BENCH_PAGES=/dashboard,/services/seal/logs: measure only these pages (exact URLs; /health always). */
const PAGES = (() => {
  const wanted = process.env.BENCH_PAGES?.split(",")
    .map((page) => page.trim())
    .filter(Boolean);
  if (!wanted?.length) return ALL_PAGES;
  const unknown = wanted.filter((page) => !ALL_PAGES.some((candidate) => candidate.path === page));
  if (unknown.length) throw new Error(`BENCH_PAGES: unknown page(s) ${unknown.join(", ")}`);
  return ALL_PAGES.filter((page) => wanted.includes(page.path));
})();

/** What a signed-in page must contain: the header's wallet widget showing this session's wallet. */
function signedInProblem(html: string, session: BenchSession): string | null {
  if (!html.includes('data-testid="viewer-address"'))
    return 'no data-testid="viewer-address" (not signed in?)';
  if (!html.includes(`title="${session.address}"`))
    return `the wallet widget does not show ${session.address}`;
  return null;
}

interface PageSample {
  status: number;
  encoding: string;
  htmlBytes: number;
}

/**
 * Fetch every page once per session (and /health) and check it is the signed-in page itself: 200,
 * no redirect, the session's wallet in the header. Returns the first session's sample per page.
 */
async function verifyPages(
  baseUrl: string,
  sessions: BenchSession[],
  when: string,
): Promise<{ problems: string[]; samples: Map<string, PageSample> }> {
  const problems: string[] = [];
  const samples = new Map<string, PageSample>();
  const health = await fetch(`${baseUrl}${HEALTH.path}`, { redirect: "manual" });
  const healthBody = await health.text();
  if (health.status !== 200 || !healthBody.includes('"status":"ok"'))
    problems.push(`${when}: /health answered ${health.status} ${healthBody.slice(0, 200)}`);
  for (const page of PAGES) {
    for (const session of sessions) {
      const response = await fetch(`${baseUrl}${page.path}`, {
        headers: { ...PAGE_HEADERS, cookie: session.cookieHeader },
        redirect: "manual",
      });
      const html = await response.text();
      if (!samples.has(page.path)) {
        samples.set(page.path, {
          status: response.status,
          encoding: response.headers.get("content-encoding") ?? "identity",
          htmlBytes: Buffer.byteLength(html),
        });
      }
      if (response.status !== 200) {
        const location = response.headers.get("location");
        problems.push(
          `${when}: ${page.path} for customer ${session.customerId} answered ${response.status}${location ? ` → ${location}` : ""}`,
        );
        continue;
      }
      const problem = signedInProblem(html, session);
      if (problem) problems.push(`${when}: ${page.path} for customer ${session.customerId}: ${problem}`);
    }
  }
  return { problems, samples };
}

interface Measured {
  endpoint: Endpoint;
  warmup: LoadResult;
  run: LoadResult;
  /** Rows PostgreSQL read (tup_returned + tup_fetched) per request, warm-up included. */
  tuplesPerRequest: number;
  /** CPU ms per request of the server process and of its PostgreSQL backends (measured run only). */
  serverCpuMs: number | null;
  databaseCpuMs: number;
  /** CPU of this process (autocannon), % of one core during the measured run. */
  clientCpuPercent: number;
  topQueries: { query: string; share: number }[];
}

async function measure(
  handle: DatabaseHandle,
  server: ProductionServer,
  endpoint: Endpoint,
  cookies: string[],
  before: DbCounters,
): Promise<{ measured: Measured; after: DbCounters }> {
  const options = {
    baseUrl: server.baseUrl,
    path: endpoint.path,
    connections: CONNECTIONS,
    cookies: endpoint.signedIn ? cookies : [],
  };
  const warmup = await runLoad({ ...options, seconds: WARMUP_S });
  const sampler = SAMPLE_QUERIES ? new QuerySampler(handle) : undefined;
  const cpuBefore = await cpuSnapshot(handle, server.pid);
  const clientBefore = process.cpuUsage();
  sampler?.start();
  const run = await runLoad({ ...options, seconds: DURATION_S });
  const topQueries = sampler?.stop() ?? [];
  const client = process.cpuUsage(clientBefore);
  const cpu = cpuBetween(cpuBefore, await cpuSnapshot(handle, server.pid));
  await new Promise((resolve) => setTimeout(resolve, STATS_SETTLE_MS));
  const after = await dbCounters(handle);
  const requests = warmup.requests + run.requests;
  console.log(
    `${endpoint.path}: ${fmtInt(run.requestsPerSecond)} req/s, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, ` +
      `max ${run.maxMs} ms, ${fmtInt(run.requests)} requests in ${run.seconds.toFixed(1)} s, status ${JSON.stringify(run.statusCodes)}` +
      (run.errors || run.timeouts ? `, errors ${run.errors} (timeouts ${run.timeouts})` : ""),
  );
  for (const { query, share } of topQueries)
    console.log(`    ${(share * 100).toFixed(0).padStart(3)}% of samples: ${query}`);
  return {
    measured: {
      endpoint,
      warmup,
      run,
      tuplesPerRequest: requests > 0 ? (after.tuples - before.tuples) / requests : 0,
      serverCpuMs: cpu.server === null || run.requests === 0 ? null : cpu.server / run.requests,
      databaseCpuMs: run.requests > 0 ? cpu.database / run.requests : 0,
      clientCpuPercent: ((client.user + client.system) / 1000 / (run.seconds * 1000)) * 100,
      topQueries,
    },
    after,
  };
}

async function main(): Promise<number> {
  ensureProductionBuild();
  return withBenchDatabase(
    "http",
    async ({ handle, url, name }) => {
      console.log(`bench:http — ${await describeMachine(handle)}`);
      console.log(
        `commit ${gitCommit()}; ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s per URL`,
      );
      const now = new Date();
      const options: HttpDataOptions = {
        customers: CUSTOMERS,
        logRows: LOG_ROWS,
        days: DAYS,
        signedIn: spreadIndexes(CUSTOMERS, SESSIONS),
        now,
        progress: process.stdout.isTTY,
      };
      const stored = await storedHttpDataSet(handle, options);
      let tables: Record<string, number>;
      if (stored) {
        tables = stored.tables;
        console.log(
          `reusing the data set of ${name} (logs generated ${stored.loadedAt}, ` +
            `${((now.getTime() - Date.parse(stored.loadedAt)) / 3_600_000).toFixed(1)} h ago)`,
        );
      } else {
        const customers = await timed(() => createHttpCustomers(handle, options));
        tables = customers.value;
        console.log(
          `customers created in ${fmtSeconds(customers.ms)}: ${Object.entries(customers.value)
            .map(([table, count]) => `${table} ${fmtInt(count)}`)
            .join(", ")}`,
        );
      }
      // Every partition the load and the server's start-up need, before either runs.
      await ensureLogPartitions(
        handle.db,
        new Date(now.getTime() - DAYS * DAY_MS - 2 * 3_600_000),
        new Date(now.getTime() + PARTITION_DAYS_AHEAD * DAY_MS),
      );

      const server = await startProductionServer({
        databaseUrl: url,
        logLevel: process.env.BENCH_LOG_LEVEL || "info",
        workers: WORKERS > 1 ? WORKERS : undefined,
        env: {
          ...(CPU_PROF_DIR
            ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.resolve(CPU_PROF_DIR)}` }
            : {}),
          ...(PAGE_CACHE_MB ? { PAGE_CACHE_MB } : {}),
        },
      });
      try {
        console.log(
          `server ${server.baseUrl} (pid ${server.pid}): NODE_ENV=production APP_ENV=production, ` +
            (WORKERS > 1
              ? `${WORKERS} node:cluster workers sharing the port (as PM2 cluster mode)`
              : "one process (node server.js)") +
            `; page cache ${PAGE_CACHE_MB === "0" ? "off (every page rendered)" : `${PAGE_CACHE_MB ?? "32 (default)"} MiB per process`}`,
        );
        // Sign-ins (paced by the /auth rate limit) run while the logs load.
        const [signedIn, logs] = await Promise.all([
          signInAll(
            server.baseUrl,
            options.signedIn.map((index) => benchKeypair(index)),
          ),
          stored
            ? null
            : timed(async () => {
                const loaded = await loadHttpLogs(handle, options);
                const metered = await timed(() => meterAndAnalyze(handle));
                return { loaded, metered };
              }),
        ]);
        const loaded = stored
          ? { rows: stored.logRows, requests: stored.requests, batches: stored.batches }
          : (logs?.value.loaded ?? { rows: 0, requests: 0, batches: 0 });
        if (logs) {
          const { metered } = logs.value;
          console.log(
            `logs loaded in ${fmtSeconds(logs.ms - metered.ms)}: ${fmtInt(loaded.rows)} rows (${fmtInt(loaded.requests)} requests) in ${loaded.batches} ingest batches; ` +
              `metered + vacuum/analyze in ${fmtSeconds(metered.ms)}: ${fmtInt(metered.value.hourRows)} usage_hourly rows`,
          );
          await recordHttpDataSet(handle, {
            customers: CUSTOMERS,
            logRows: LOG_ROWS,
            days: DAYS,
            signedIn: options.signedIn,
            loadedAt: now.toISOString(),
            tables,
            requests: loaded.requests,
            batches: loaded.batches,
            hourRows: metered.value.hourRows,
          });
        }
        console.log(
          `signed in ${signedIn.sessions.length} customers over HTTP in ${fmtSeconds(signedIn.ms)}` +
            (signedIn.stats.rateLimited
              ? ` (the /auth limit answered 429 ${signedIn.stats.rateLimited}× — waited ${fmtSeconds(signedIn.stats.waitedMs)} for Retry-After)`
              : ""),
        );
        const [dataset] = await queryRows<{
          usage: string;
          log_bytes: string;
          min_rows: string;
          median_rows: string;
          max_rows: string;
          pct_5xx: string;
        }>(
          handle.db,
          sql`with per_customer as (
                select customer_id, count(*) as n from haproxy_logs
                 where customer_id = any(${`{${signedIn.sessions.map((s) => s.customerId).join(",")}}`}::int[]) group by 1
              )
              select (select count(*) from usage_hourly) as usage,
                     (select sum(pg_total_relation_size(inhrelid)) from pg_inherits
                       where inhparent = 'haproxy_logs'::regclass) as log_bytes,
                     (select min(n) from per_customer) as min_rows,
                     (select percentile_disc(0.5) within group (order by n) from per_customer) as median_rows,
                     (select max(n) from per_customer) as max_rows,
                     (select round(100.0 * count(*) filter (where status >= 500) / count(*), 2) from haproxy_logs) as pct_5xx`,
        );
        console.log(
          `data: usage_hourly ${fmtInt(Number(dataset?.usage))} rows; haproxy_logs ${(Number(dataset?.log_bytes) / 2 ** 20).toFixed(0)} MiB with indexes, ` +
            `${dataset?.pct_5xx}% 5xx; log rows of the signed-in customers: min ${fmtInt(Number(dataset?.min_rows))}, ` +
            `median ${fmtInt(Number(dataset?.median_rows))}, max ${fmtInt(Number(dataset?.max_rows))}`,
        );

        const check = await verifyPages(server.baseUrl, signedIn.sessions, "before the runs");
        for (const [path, sample] of check.samples)
          console.log(
            `${path}: ${sample.status}, ${fmtInt(sample.htmlBytes)} bytes of HTML (sent ${sample.encoding})`,
          );
        if (check.problems.length > 0) {
          console.error(`INVALID: a page is not the signed-in page:\n  ${check.problems.join("\n  ")}`);
          console.error(`server log (tail):\n${server.tail()}`);
          return 2;
        }

        const cookies = signedIn.sessions.map((session) => session.cookieHeader);
        const results: Measured[] = [];
        // /health again at the end: the baseline is the mean of both, so drift shows.
        const order = [HEALTH, ...PAGES, HEALTH];
        console.log(
          `measuring ${order.length} URLs (${STATS_SETTLE_MS / 1000} s of quiet between them for the database counters)`,
        );
        await new Promise((resolve) => setTimeout(resolve, STATS_SETTLE_MS));
        let counters = await dbCounters(handle);
        for (const endpoint of order) {
          const { measured, after } = await measure(handle, server, endpoint, cookies, counters);
          results.push(measured);
          counters = after;
        }
        const healthAgain = results.pop() as Measured;

        const after = await verifyPages(server.baseUrl, signedIn.sessions, "after the runs");
        const invalid = [...results, healthAgain].flatMap((m) =>
          [m.warmup, m.run]
            .filter((r) => r.non2xx > 0 || r.errors > 0 || r.timeouts > 0)
            .map(
              (r) =>
                `${m.endpoint.path}: non-2xx ${r.non2xx}, errors ${r.errors} (timeouts ${r.timeouts}), status ${JSON.stringify(r.statusCodes)}`,
            ),
        );
        invalid.push(...after.problems);

        const healthFirst = results[0]?.run.requestsPerSecond ?? 0;
        const healthRps = (healthFirst + healthAgain.run.requestsPerSecond) / 2;
        const rows = [...results, healthAgain].map((m, index) => {
          const isHealth = m.endpoint === HEALTH;
          const ratio = m.run.requestsPerSecond / healthRps;
          const pass = ratio >= GOAL_RATIO && m.run.p99Ms < GOAL_P99_MS;
          return [
            `${m.endpoint.path}${isHealth ? (index === 0 ? " (first)" : " (last)") : ""}`,
            fmtInt(m.run.requestsPerSecond),
            `${m.run.p50Ms} ms`,
            `${m.run.p99Ms} ms`,
            fmtInt(m.run.non2xx + m.run.errors),
            isHealth ? "baseline" : `${ratio.toFixed(2)}×`,
            `${(m.run.bytesPerRequest / 1024).toFixed(1)} KiB`,
            m.serverCpuMs === null ? "?" : m.serverCpuMs.toFixed(2),
            m.databaseCpuMs.toFixed(2),
            fmtInt(m.tuplesPerRequest),
            `${m.clientCpuPercent.toFixed(0)}%`,
            isHealth ? "" : verdict(pass),
          ];
        });
        printTable(
          `bench:http — ${fmtInt(CUSTOMERS)} customers, ${fmtInt(loaded.rows)} log rows over ${DAYS} days, ` +
            `${signedIn.sessions.length} signed-in sessions rotating, ${CONNECTIONS} connections, ` +
            `${WORKERS > 1 ? `${WORKERS} server workers (cluster)` : "1 server process"}, ${DURATION_S} s per URL ` +
            `(after ${WARMUP_S} s warm-up); /health baseline ${fmtInt(healthRps)} req/s (mean of first and last)`,
          [
            "URL",
            "req/s",
            "p50",
            "p99",
            "non-2xx + errors",
            "vs /health",
            "bytes/resp (wire)",
            "server CPU ms/req",
            "PG CPU ms/req",
            "DB rows read/req",
            "autocannon CPU",
            "result",
          ],
          rows,
        );

        const pageResults = results.filter((m) => m.endpoint !== HEALTH);
        const allPass = pageResults.every(
          (m) => m.run.requestsPerSecond / healthRps >= GOAL_RATIO && m.run.p99Ms < GOAL_P99_MS,
        );
        printTable(
          "Result",
          ["benchmark", "goal", "measured", "result"],
          pageResults.flatMap((m) => {
            const ratio = m.run.requestsPerSecond / healthRps;
            return [
              [
                `${m.endpoint.path} throughput / /health`,
                `≥ ${GOAL_RATIO.toFixed(2)}×`,
                `${ratio.toFixed(2)}×`,
                verdict(ratio >= GOAL_RATIO),
              ],
              [
                `${m.endpoint.path} p99`,
                `< ${GOAL_P99_MS} ms`,
                `${m.run.p99Ms} ms`,
                verdict(m.run.p99Ms < GOAL_P99_MS),
              ],
            ];
          }),
        );
        if (invalid.length > 0) {
          console.error(
            `INVALID RUN (a benchmark never reports a time for wrong answers):\n  ${invalid.join("\n  ")}`,
          );
          console.error(`server log (tail):\n${server.tail()}`);
          return 2;
        }
        return allPass ? 0 : 1;
      } finally {
        const code = await server.stop();
        if (code !== 0) console.error(`the server exited with ${code}`);
      }
    },
    { poolMax: 4, reusable: true },
  );
}

runBench(main);
