// bench:meter — folding 5 million ingested log rows into usage_hourly with the manager's meter
// (exactly-once: claims batches FOR UPDATE SKIP LOCKED, upserts, marks them metered) versus one
// hand-written INSERT … SELECT … GROUP BY over the same rows into an empty usage_hourly.
// Goal: ours ≤ 1.5 × the plain aggregate. Both must produce identical usage_hourly contents.
//
//   npm run bench:meter                  5,000,000 rows in 100 batches of 50,000, 3 rounds per side
//   BENCH_SCALE=0.1 npm run bench:meter  a quick smoke run
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { sql } from "drizzle-orm";
import { from as copyFrom } from "pg-copy-streams";
import { LATENCY_BUCKET_BOUNDS_MS, LATENCY_BUCKETS } from "#app/domain/usage.ts";
import { type DatabaseHandle, queryRows } from "#db/client.ts";
import { ensureLogPartitions } from "#db/partitions.ts";
import { meterAll } from "#manager/tasks/meter.ts";
import {
  benchRounds,
  describeMachine,
  fmtInt,
  fmtSeconds,
  median,
  printTable,
  runBench,
  scaled,
  seededRandom,
  timed,
  verdict,
  withBenchDatabase,
} from "./support.ts";
import { csvRow, generateTraffic, LOG_COLUMNS, trafficCustomers } from "./traffic.ts";

const GOAL_RATIO = 1.5;
const ROWS = scaled(5_000_000, 10_000);
const ROWS_PER_BATCH = 50_000;
const BATCHES = Math.max(1, Math.round(ROWS / ROWS_PER_BATCH));
const CUSTOMERS = scaled(5_000, 50);
const WINDOW_MS = 24 * 3_600_000;
const ROUNDS = benchRounds(3);

/** The meter's aggregate, written by hand as one plain statement over every row. */
function baselineStatement() {
  const bucket = `width_bucket(greatest(l.t_total_ms, 0), array[${LATENCY_BUCKET_BOUNDS_MS.join(",")}]::int[])`;
  const histogram = `array[${Array.from(
    { length: LATENCY_BUCKETS },
    (_, i) => `coalesce(sum(l.repeat) filter (where ${bucket} = ${i}), 0)`,
  ).join(", ")}]::bigint[]`;
  return sql.raw(`
    insert into usage_hourly
           (customer_id, service, hour, requests, billable, client_errors, server_errors, denied, rate_limited,
            ip_blocked, unauthorized, bytes_in, bytes_out, latency_sum_ms, latency_histogram)
    select l.customer_id, l.service, date_trunc('hour', l.ts, 'UTC'),
           sum(l.repeat),
           coalesce(sum(l.repeat) filter (where l.outcome = 'ok' and l.status between 200 and 399), 0),
           coalesce(sum(l.repeat) filter (where l.outcome in ('ok', 'error') and l.status between 400 and 499), 0),
           coalesce(sum(l.repeat) filter (where l.outcome in ('ok', 'error') and (l.status >= 500 or l.status < 100)), 0),
           coalesce(sum(l.repeat) filter (where l.outcome = 'denied'), 0),
           coalesce(sum(l.repeat) filter (where l.outcome = 'ratelimited'), 0),
           coalesce(sum(l.repeat) filter (where l.outcome = 'ipblocked'), 0),
           coalesce(sum(l.repeat) filter (where l.outcome = 'unauthorized'), 0),
           sum(l.repeat * l.bytes_in),
           sum(l.repeat * l.bytes_out),
           sum(l.repeat * greatest(l.t_total_ms, 0)),
           ${histogram}
      from haproxy_logs l
     where l.customer_id is not null
     group by 1, 2, 3`);
}

interface UsageState {
  rows: number;
  requests: number;
  billable: number;
  checksum: string;
}

async function usageState(handle: DatabaseHandle): Promise<UsageState> {
  const [row] = await queryRows<{
    rows: string;
    requests: string | null;
    billable: string | null;
    checksum: string | null;
  }>(
    handle.db,
    sql`select count(*) as rows, sum(requests) as requests, sum(billable) as billable,
               md5(string_agg(concat_ws('|', customer_id, service, hour, requests, billable, client_errors,
                   server_errors, denied, rate_limited, ip_blocked, unauthorized, bytes_in, bytes_out,
                   latency_sum_ms, latency_histogram), ',' order by customer_id, service, hour)) as checksum
          from usage_hourly`,
  );
  return {
    rows: Number(row?.rows ?? 0),
    requests: Number(row?.requests ?? 0),
    billable: Number(row?.billable ?? 0),
    checksum: row?.checksum ?? "",
  };
}

async function reset(handle: DatabaseHandle): Promise<void> {
  await handle.db.execute(sql`truncate usage_hourly`);
  await handle.db.execute(sql`update ingest_batches set metered_at = null`);
  await handle.db.execute(sql`vacuum ingest_batches`);
  await handle.db.execute(sql`checkpoint`);
}

/** 5M rows as the ingest would have left them: BATCHES committed batches, not yet metered. */
async function load(handle: DatabaseHandle): Promise<{ rows: number; lines: number }> {
  const pool = handle.pool;
  if (!pool) throw new Error("bench:meter needs PostgreSQL");
  const random = seededRandom(5_000_000);
  const customers = trafficCustomers(CUSTOMERS, (i) => 1 + (i % 3 === 0 ? 1 : 0), random);
  const endMs = Date.now() - 60_000;
  const startMs = endMs - WINDOW_MS;
  await ensureLogPartitions(handle.db, new Date(startMs - 3_600_000), new Date(endMs));
  const batchMs = WINDOW_MS / BATCHES;
  const batches: { id: number; rows: number; minTs: number; maxTs: number }[] = [];
  let total = 0;
  let lines = 0;
  const client = await pool.connect();
  try {
    for (let b = 0; b < BATCHES; b++) {
      const id = b + 1;
      const count = Math.floor(ROWS / BATCHES) + (b < ROWS % BATCHES ? 1 : 0);
      const batch = { id, rows: count, minTs: Number.POSITIVE_INFINITY, maxTs: Number.NEGATIVE_INFINITY };
      const records = generateTraffic(customers, {
        startMs: startMs + b * batchMs,
        endMs: startMs + (b + 1) * batchMs,
        count,
        random,
      });
      function* chunks(): Generator<string> {
        let parts: string[] = [];
        for (const record of records) {
          // Late lines: 1% arrive up to 10 minutes after their time (a lagging edge's syslog).
          if (random() < 0.01) record.tsMs -= Math.floor(random() * 600_000);
          // Identical lines collapsed by the writer: 1% of rows carry a repeat count.
          const repeat = random() < 0.01 ? 2 + Math.floor(random() * 3) : 1;
          batch.minTs = Math.min(batch.minTs, record.tsMs);
          batch.maxTs = Math.max(batch.maxTs, record.tsMs);
          lines += repeat;
          parts.push(csvRow(record, repeat, id));
          if (parts.length >= 2_000) {
            yield parts.join("");
            parts = [];
          }
        }
        if (parts.length) yield parts.join("");
      }
      await client.query("begin");
      await pipeline(
        Readable.from(chunks()),
        client.query(copyFrom(`copy haproxy_logs (${LOG_COLUMNS}) from stdin with (format csv)`)),
      );
      await client.query(
        `insert into ingest_batches (id, source, row_count, min_ts, max_ts, created_at) overriding system value
         values ($1, 'file:/var/log/haproxy.log', $2, $3, $4, now())`,
        [id, count, new Date(batch.minTs).toISOString(), new Date(batch.maxTs).toISOString()],
      );
      await client.query("commit");
      batches.push(batch);
      total += count;
      if ((b + 1) % 10 === 0 || b + 1 === BATCHES) process.stdout.write(`\rloaded ${fmtInt(total)} rows`);
    }
    process.stdout.write("\n");
    await client.query(
      "select setval(pg_get_serial_sequence('ingest_batches', 'id'), (select max(id) from ingest_batches))",
    );
  } finally {
    client.release();
  }
  // Settle the freshly loaded pages (hint bits, visibility map, statistics) so that neither side
  // pays for that on its first scan.
  await handle.db.execute(sql`vacuum (analyze) haproxy_logs`);
  await handle.db.execute(sql`vacuum (analyze) ingest_batches`);
  return { rows: total, lines };
}

async function main(): Promise<number> {
  return withBenchDatabase("meter", async ({ handle }) => {
    console.log(`bench:meter — ${await describeMachine(handle)}`);
    const loaded = await timed(() => load(handle));
    console.log(`loaded ${fmtInt(loaded.value.rows)} rows (${BATCHES} batches) in ${fmtSeconds(loaded.ms)}`);
    const [expected] = await queryRows<{ requests: string; bytes: string }>(
      handle.db,
      sql`select sum(repeat) as requests, pg_total_relation_size('haproxy_logs') + coalesce((select sum(pg_total_relation_size(inhrelid)) from pg_inherits where inhparent = 'haproxy_logs'::regclass), 0) as bytes
            from haproxy_logs where customer_id is not null`,
    );
    const expectedRequests = Number(expected?.requests ?? 0);

    const baseline = baselineStatement();
    const baseTimes: number[] = [];
    const oursTimes: number[] = [];
    let baseState: UsageState | undefined;
    let oursState: UsageState | undefined;
    let oursDetail = { batches: 0, hourRows: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const sides = round % 2 === 0 ? (["baseline", "ours"] as const) : (["ours", "baseline"] as const);
      for (const side of sides) {
        await reset(handle);
        if (side === "baseline") {
          const { ms } = await timed(() => handle.db.execute(baseline));
          baseTimes.push(ms);
          baseState = await usageState(handle);
        } else {
          const { ms, value } = await timed(() => meterAll(handle.db));
          oursTimes.push(ms);
          oursDetail = value;
          oursState = await usageState(handle);
          if (value.batches !== BATCHES)
            throw new Error(`meterAll folded ${value.batches} of ${BATCHES} batches`);
        }
        const state = side === "baseline" ? baseState : oursState;
        if (state?.requests !== expectedRequests) {
          throw new Error(
            `${side}: usage_hourly holds ${state?.requests} requests, the logs ${expectedRequests}`,
          );
        }
        console.log(
          `round ${round + 1}: ${side === "ours" ? "meterAll" : "plain INSERT … SELECT"} ${fmtSeconds((side === "ours" ? oursTimes : baseTimes).at(-1) ?? 0)}`,
        );
      }
    }
    const identical = baseState?.checksum === oursState?.checksum && baseState?.rows === oursState?.rows;
    if (!identical)
      throw new Error("meterAll and the plain aggregate produced different usage_hourly contents");

    const baseMs = median(baseTimes);
    const oursMs = median(oursTimes);
    const ratio = oursMs / baseMs;
    printTable(
      `bench:meter — ${fmtInt(loaded.value.rows)} log rows (${fmtInt(loaded.value.lines)} requests incl. unauthenticated, ${(Number(expected?.bytes ?? 0) / 2 ** 20).toFixed(0)} MiB with indexes) in ${BATCHES} unmetered batches, ${fmtInt(CUSTOMERS)} customers over 24 h, ${ROUNDS} rounds per side (median)`,
      ["", "baseline (one INSERT … SELECT … GROUP BY)", "ours (meterAll)"],
      [
        [
          "statements",
          "1",
          `${Math.ceil(BATCHES / 64)} (up to 64 batches each), ${fmtInt(oursDetail.batches)} batches marked metered`,
        ],
        ["usage_hourly rows", fmtInt(baseState?.rows ?? 0), fmtInt(oursState?.rows ?? 0)],
        ["sum(requests)", fmtInt(baseState?.requests ?? 0), fmtInt(oursState?.requests ?? 0)],
        ["sum(billable)", fmtInt(baseState?.billable ?? 0), fmtInt(oursState?.billable ?? 0)],
        ["contents identical (md5 of all rows)", identical ? "yes" : "NO", identical ? "yes" : "NO"],
        ["time per round", baseTimes.map(fmtSeconds).join(", "), oursTimes.map(fmtSeconds).join(", ")],
        ["median time", fmtSeconds(baseMs), fmtSeconds(oursMs)],
        [
          "log rows/s",
          fmtInt(loaded.value.rows / (baseMs / 1000)),
          fmtInt(loaded.value.rows / (oursMs / 1000)),
        ],
      ],
    );
    const pass = ratio <= GOAL_RATIO;
    printTable(
      "Result",
      ["benchmark", "goal", "measured", "result"],
      [
        [
          "meter time, ours / plain aggregate",
          `≤ ${GOAL_RATIO.toFixed(1)}×`,
          `${ratio.toFixed(2)}×`,
          verdict(pass),
        ],
      ],
    );
    return pass ? 0 : 1;
  });
}

runBench(main);
