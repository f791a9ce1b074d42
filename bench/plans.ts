// bench:plans — the query plans of the Logs and Stats pages' statements at the HTTP benchmark's
// scale (1,000 customers, 10,000,000 request-log rows over 30 days, their hourly rollups): each
// statement is built by the app's own query builders (requestLogQuery, hourlyUsageQuery,
// last24hUsageQuery), run once to warm the cache, then run under EXPLAIN (ANALYZE, BUFFERS) with
// the same parameters, and its plan printed. Goal: every plan reads the big tables (haproxy_logs'
// partitions, usage_hourly) through an index, never a sequential scan (a sequential scan of an
// empty partition — the days created ahead of today — reads nothing and is listed apart).
//
//   npm run bench:plans                                   loads the data set (5–6 minutes), drops it
//   BENCH_DATABASE=<kept bench:http database> npm run bench:plans     reuses bench:http's data set
//   BENCH_KEEP_DATABASE=1 npm run bench:plans             keeps the database for bench:http / a rerun
//   BENCH_SCALE=0.1 npm run bench:plans                   a quick smoke run (plans at 1/10 scale)
import { loadCustomerSnapshot, snapshotKeyChoices } from "#app/domain/customer-snapshot.ts";
import { dashboardUsage, last24hUsageQuery } from "#app/domain/dashboard.ts";
import { type LogFilters, logFiltersSchema } from "#app/domain/request-log-filters.ts";
import { type KeyChoice, requestLogPage, requestLogQuery } from "#app/domain/request-logs.ts";
import { hourlyUsageQuery } from "#app/domain/usage-stats.server.ts";
import { rangeWindow, STATS_RANGE_IDS } from "#app/domain/usage-stats.ts";
import type { DatabaseHandle } from "#db/client.ts";
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
import {
  customerIdOf,
  describeMachine,
  fmtInt,
  fmtSeconds,
  printTable,
  runBench,
  timed,
  verdict,
  withBenchDatabase,
} from "./support.ts";

const DAY_MS = 86_400_000;
/** Tables whose rows a page statement must reach through an index. */
const BIG_TABLES = /^(haproxy_logs(_\w+)?|usage_hourly)$/;

interface Statement {
  /** What it is, as the reader meets it on a page. */
  title: string;
  query: { toSQL(): { sql: string; params: unknown[] } };
}

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  Plans?: PlanNode[];
}

function walk(node: PlanNode, visit: (node: PlanNode) => void): void {
  visit(node);
  for (const child of node.Plans ?? []) walk(child, visit);
}

async function explain(
  handle: DatabaseHandle,
  statement: Statement,
  /** Index of a partition → the partitioned table's index it belongs to. */
  parentIndex: Map<string, string>,
): Promise<{
  text: string;
  sql: string;
  params: unknown[];
  indexes: string[];
  seqScans: string[];
  /** Sequential scans of empty partitions (the days ahead): nothing read. */
  emptyScans: string[];
  ms: number;
  rows: number;
}> {
  const pool = handle.pool;
  if (!pool) throw new Error("bench:plans needs PostgreSQL");
  const { sql, params } = statement.query.toSQL();
  const values = params.map((value) => (value instanceof Date ? value.toISOString() : value));
  // Warm: the page runs this statement over and over; the plan shown is a warm reading.
  await pool.query(sql, values);
  const text = await pool.query<{ "QUERY PLAN": string }>(`explain (analyze, buffers) ${sql}`, values);
  const json = await pool.query<{ "QUERY PLAN": [{ Plan: PlanNode; "Execution Time": number }] }>(
    `explain (analyze, format json) ${sql}`,
    values,
  );
  const root = json.rows[0]?.["QUERY PLAN"][0];
  if (!root) throw new Error(`no plan for ${statement.title}`);
  const indexes = new Set<string>();
  const scanned = new Set<string>();
  walk(root.Plan, (node) => {
    const index = node["Index Name"];
    if (index) indexes.add(parentIndex.get(index) ?? index);
    if (node["Node Type"] === "Seq Scan" && node["Relation Name"] && BIG_TABLES.test(node["Relation Name"]))
      scanned.add(node["Relation Name"]);
  });
  // The partitions created ahead of today hold no rows yet: scanning one reads nothing.
  const seqScans: string[] = [];
  const emptyScans: string[] = [];
  for (const relation of scanned) {
    const { rows } = await pool.query<{ bytes: string }>("select pg_relation_size($1::regclass) as bytes", [
      relation,
    ]);
    (Number(rows[0]?.bytes) > 0 ? seqScans : emptyScans).push(relation);
  }
  return {
    text: text.rows.map((row) => row["QUERY PLAN"]).join("\n"),
    sql,
    params: values,
    indexes: [...indexes],
    seqScans,
    emptyScans,
    ms: root["Execution Time"],
    rows: root.Plan["Actual Rows"] ?? 0,
  };
}

function filters(values: Record<string, string>): LogFilters {
  return logFiltersSchema.parse(values);
}

/**
 * The cursor of the `page`-th page (2 or more) of a filter, walking the app's own paging; null when
 * there are fewer pages (a small BENCH_SCALE).
 */
async function cursorOfPage(
  handle: DatabaseHandle,
  input: { customerId: number; service: string; keys: KeyChoice[]; now: Date },
  values: Record<string, string>,
  page: number,
): Promise<string | null> {
  let before: string | null = null;
  for (let n = 1; n < page; n++) {
    const result = await requestLogPage(handle.db, {
      ...input,
      filters: filters(before ? { ...values, before } : values),
    });
    if (!result.older) return null;
    before = result.older;
  }
  return before;
}

async function main(): Promise<number> {
  const { customers, logRows, days } = httpDataSize();
  return withBenchDatabase(
    "plans",
    async ({ handle, name }) => {
      console.log(`bench:plans — ${await describeMachine(handle)}`);
      const now = new Date();
      const options: HttpDataOptions = {
        customers,
        logRows,
        days,
        // The customers bench:http signs in, so a kept database serves both benchmarks.
        signedIn: spreadIndexes(customers, defaultSessions()),
        now,
        progress: process.stdout.isTTY,
      };
      const stored = await storedHttpDataSet(handle, { ...options, signedIn: [] });
      if (stored) {
        console.log(
          `reusing the data set of ${name}: ${fmtInt(stored.customers)} customers, ${fmtInt(stored.logRows)} log rows ` +
            `generated ${stored.loadedAt} (${((now.getTime() - Date.parse(stored.loadedAt)) / 3_600_000).toFixed(1)} h ago)`,
        );
      } else {
        const loaded = await timed(async () => {
          const tables = await createHttpCustomers(handle, options);
          await ensureLogPartitions(
            handle.db,
            new Date(now.getTime() - days * DAY_MS - 2 * 3_600_000),
            new Date(now.getTime() + PARTITION_DAYS_AHEAD * DAY_MS),
          );
          const logs = await loadHttpLogs(handle, options);
          const metered = await meterAndAnalyze(handle);
          await recordHttpDataSet(handle, {
            customers,
            logRows,
            days,
            signedIn: options.signedIn,
            loadedAt: now.toISOString(),
            tables,
            requests: logs.requests,
            batches: logs.batches,
            hourRows: metered.hourRows,
          });
        });
        console.log(
          `loaded ${fmtInt(customers)} customers and ${fmtInt(logRows)} log rows (metered, vacuumed, analyzed) in ${fmtSeconds(loaded.ms)}`,
        );
      }
      const pool = handle.pool;
      if (!pool) throw new Error("bench:plans needs PostgreSQL");
      const { rows: sizes } = await pool.query<{
        logs: string;
        usage: string;
        partitions: string;
        mib: string;
      }>(
        `select (select count(*) from haproxy_logs) as logs, (select count(*) from usage_hourly) as usage,
                (select count(*) from pg_inherits where inhparent = 'haproxy_logs'::regclass) as partitions,
                (select sum(pg_total_relation_size(inhrelid)) / 2^20 from pg_inherits
                  where inhparent = 'haproxy_logs'::regclass)::int as mib`,
      );
      console.log(
        `haproxy_logs ${fmtInt(Number(sizes[0]?.logs))} rows in ${sizes[0]?.partitions} day partitions (${sizes[0]?.mib} MiB with indexes), ` +
          `usage_hourly ${fmtInt(Number(sizes[0]?.usage))} rows`,
      );

      // The heaviest customer (the traffic is skewed: customer 1 makes ~10% of all requests) and a
      // typical one from the middle of the distribution.
      const subjects = [
        { label: "heaviest customer", customerId: customerIdOf(1) },
        { label: "median customer", customerId: customerIdOf(Math.max(2, Math.round(customers / 2))) },
      ];
      const statements: Statement[] = [];
      for (const subject of subjects) {
        const { rows } = await pool.query<{ day: string; day5xx: string; month: string }>(
          `select count(*) filter (where ts >= $2) as day, count(*) filter (where ts >= $2 and status between 500 and 599) as day5xx,
                  count(*) as month
             from haproxy_logs where customer_id = $1 and ts >= $3`,
          [subject.customerId, new Date(now.getTime() - DAY_MS), new Date(now.getTime() - days * DAY_MS)],
        );
        console.log(
          `${subject.label} (id ${subject.customerId}): ${fmtInt(Number(rows[0]?.month))} log rows in ${days} days, ` +
            `${fmtInt(Number(rows[0]?.day))} in the last 24 h (${fmtInt(Number(rows[0]?.day5xx))} of them 5xx)`,
        );
        const keys = snapshotKeyChoices(await loadCustomerSnapshot(handle.db, subject.customerId));
        const input = { customerId: subject.customerId, service: "seal", keys, now };
        const log = (title: string, values: Record<string, string>) =>
          statements.push({
            title: `${subject.label}: ${title}`,
            query: requestLogQuery(handle.db, { ...input, filters: filters(values) }).query,
          });
        const later = async (title: string, values: Record<string, string>, page: number) => {
          const before = await cursorOfPage(handle, input, values, page);
          if (before) log(title, { ...values, before });
          else
            console.log(`${subject.label}: fewer than ${page} pages of ${JSON.stringify(values)}; skipped`);
        };
        log("Logs, first page (24 h, all statuses)", {});
        log("Logs, 5xx, first page", { status: "5xx" });
        await later("Logs, 5xx, 5th page (cursor)", { status: "5xx" }, 5);
        await later("Logs, all statuses, 20th page (cursor)", {}, 20);
        log("Logs, 5xx, last 30 days, first page", { status: "5xx", range: "30d" });
        for (const range of STATS_RANGE_IDS) {
          const { from, to } = rangeWindow(range, now);
          statements.push({
            title: `${subject.label}: Stats, ${range} (hourly rollups)`,
            query: hourlyUsageQuery(handle.db, subject.customerId, "seal", from, to),
          });
        }
        statements.push({
          title: `${subject.label}: Dashboard, requests per service in the last 24 h`,
          query: last24hUsageQuery(handle.db, subject.customerId, now),
        });
        // The dashboard's reading works end to end (the same builders, through the app's code).
        await dashboardUsage(handle.db, subject.customerId, now);
      }

      const { rows: inherited } = await pool.query<{ child: string; parent: string }>(
        `select c.relname as child, p.relname as parent
           from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
          where p.relkind = 'I'`,
      );
      const parentIndex = new Map(inherited.map((row) => [row.child, row.parent]));
      const results = [];
      for (const statement of statements) {
        const result = await explain(handle, statement, parentIndex);
        results.push({ statement, result });
        console.log(`\n#### ${statement.title}\n`);
        console.log("```sql");
        console.log(result.sql);
        console.log(`-- parameters: ${JSON.stringify(result.params)}`);
        console.log("```\n");
        console.log("```text");
        console.log(result.text);
        console.log("```");
      }

      printTable(
        `bench:plans — ${fmtInt(customers)} customers, ${fmtInt(Number(sizes[0]?.logs))} log rows over ${days} days, ${fmtInt(Number(sizes[0]?.usage))} usage_hourly rows`,
        ["statement", "rows", "execution", "indexes used", "seq scans of tables with rows", "result"],
        results.map(({ statement, result }) => [
          statement.title,
          fmtInt(result.rows),
          `${result.ms.toFixed(2)} ms`,
          result.indexes.join(", ") || "none",
          (result.seqScans.join(", ") || "none") +
            (result.emptyScans.length ? ` (+ ${result.emptyScans.length} empty future partitions)` : ""),
          verdict(result.indexes.length > 0 && result.seqScans.length === 0),
        ]),
      );
      return results.every(({ result }) => result.indexes.length > 0 && result.seqScans.length === 0) ? 0 : 1;
    },
    { reusable: true },
  );
}

runBench(main);
