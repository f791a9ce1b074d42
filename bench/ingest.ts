// bench:ingest — log lines per second through our ingest path (read the file, parse v1 lines,
// collapse identical lines, COPY in committed batches with the file offset) versus PostgreSQL's
// own bulk load of the same rows already parsed into CSV (`psql \copy`). Goal: ours ≥ 0.7 × raw COPY.
//
//   npm run bench:ingest                 1,000,000 lines, 3 rounds per side (median reported)
//   BENCH_SCALE=0.1 npm run bench:ingest a quick smoke run
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { sql } from "drizzle-orm";
import { parseLogLine } from "#app/domain/log-format.ts";
import { createLogger } from "#app/lib/logger.server.ts";
import { type DatabaseHandle, queryRows } from "#db/client.ts";
import { ensureLogPartitions } from "#db/partitions.ts";
import { ingestFile } from "#manager/ingest/line-source.ts";
import { TextFileWriter } from "./files.ts";
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
import { csvRow, generateTraffic, LOG_COLUMNS, syslogLine, trafficCustomers } from "./traffic.ts";

const GOAL_RATIO = 0.7;
const LINES = scaled(1_000_000, 1_000);
const CUSTOMERS = scaled(5_000, 50);
/** Share of lines repeated verbatim right after the original (same request logged twice in one ms). */
const DUPLICATE_SHARE = 0.01;
const ROUNDS = benchRounds(3);

const run = promisify(execFile);

async function tableState(handle: DatabaseHandle): Promise<{ rows: number; lines: number }> {
  const [row] = await queryRows<{ rows: string; lines: string }>(
    handle.db,
    sql`select count(*) as rows, coalesce(sum(repeat), 0) as lines from haproxy_logs`,
  );
  return { rows: Number(row?.rows ?? 0), lines: Number(row?.lines ?? 0) };
}

async function reset(handle: DatabaseHandle): Promise<void> {
  // The offsets too: otherwise ingestFile would resume at the end of the file and read nothing.
  await handle.db.execute(sql`truncate haproxy_logs, ingest_batches, ingest_offsets`);
  await handle.db.execute(sql`checkpoint`);
}

async function main(): Promise<number> {
  return withBenchDatabase("ingest", async ({ url, handle }) => {
    console.log(`bench:ingest — ${await describeMachine(handle)}`);
    const dir = await mkdtemp(path.join(tmpdir(), "suiftly-bench-ingest-"));
    try {
      const logFile = path.join(dir, "haproxy.log");
      const csvFile = path.join(dir, "haproxy.csv");

      // The data: LINES log lines over the last hour, and the rows they become as CSV.
      const random = seededRandom(20_261_128);
      const customers = trafficCustomers(CUSTOMERS, (i) => 1 + (i % 3 === 0 ? 1 : 0), random);
      const endMs = Date.now() - 1_000;
      const startMs = endMs - 3_600_000;
      const log = new TextFileWriter(logFile);
      const csv = new TextFileWriter(csvFile);
      let lines = 0;
      let rows = 0;
      const generated = await timed(async () => {
        for (const record of generateTraffic(customers, { startMs, endMs, count: LINES, random })) {
          if (lines >= LINES) break;
          const text = `${syslogLine(record)}\n`;
          const duplicate = lines + 1 < LINES && random() < DUPLICATE_SHARE;
          await log.write(duplicate ? text + text : text);
          await csv.write(csvRow(record, duplicate ? 2 : 1, 1));
          lines += duplicate ? 2 : 1;
          rows++;
        }
        await log.close();
        await csv.close();
      });
      const logBytes = (await stat(logFile)).size;
      console.log(
        `generated ${fmtInt(lines)} lines (${fmtInt(rows)} distinct, ${(logBytes / 2 ** 20).toFixed(0)} MiB) in ${fmtSeconds(generated.ms)}`,
      );
      await ensureLogPartitions(handle.db, new Date(startMs), new Date(endMs));

      // Parsing alone, in process and without the database: how much of our time is CPU in Node.
      const parseOnly = await timed(async () => {
        const text = await readFile(logFile, "latin1");
        let ok = 0;
        for (const line of text.split("\n")) if (line && parseLogLine(line).ok) ok++;
        return ok;
      });
      if (parseOnly.value !== lines) throw new Error(`parser accepted ${parseOnly.value} of ${lines} lines`);

      const logger = createLogger({ level: "silent" });
      const copyCommand = `\\copy haproxy_logs (${LOG_COLUMNS}) from '${csvFile}' with (format csv)`;
      const rawTimes: number[] = [];
      const oursTimes: number[] = [];
      let oursRows = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const sides = round % 2 === 0 ? (["raw", "ours"] as const) : (["ours", "raw"] as const);
        for (const side of sides) {
          await reset(handle);
          if (side === "raw") {
            const { ms } = await timed(() =>
              run("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", copyCommand]),
            );
            const state = await tableState(handle);
            if (state.rows !== rows || state.lines !== lines) {
              throw new Error(
                `raw COPY stored ${state.rows} rows / ${state.lines} lines, expected ${rows} / ${lines}`,
              );
            }
            rawTimes.push(ms);
          } else {
            const { ms, value } = await timed(() =>
              ingestFile(handle, logFile, { now: () => new Date(), logger }),
            );
            const state = await tableState(handle);
            if (
              value.read !== lines ||
              value.malformed !== 0 ||
              value.inserted !== lines ||
              state.lines !== lines
            ) {
              throw new Error(`ingestFile: ${JSON.stringify(value)}, table holds ${state.lines} lines`);
            }
            oursRows = state.rows;
            oursTimes.push(ms);
          }
          console.log(
            `round ${round + 1}: ${side === "raw" ? "raw COPY" : "ingestFile"} ${fmtSeconds(side === "raw" ? (rawTimes.at(-1) ?? 0) : (oursTimes.at(-1) ?? 0))}`,
          );
        }
      }
      const [batches] = await queryRows<{ n: number }>(
        handle.db,
        sql`select count(*)::int as n from ingest_batches`,
      );

      const rawMs = median(rawTimes);
      const oursMs = median(oursTimes);
      const rawRate = lines / (rawMs / 1000);
      const oursRate = lines / (oursMs / 1000);
      const ratio = oursRate / rawRate;
      printTable(
        `bench:ingest — ${fmtInt(lines)} log lines (v1 with syslog header), ${fmtInt(CUSTOMERS)} customers, ${ROUNDS} rounds per side (median)`,
        ["", "raw COPY (psql \\copy of pre-parsed CSV)", "ours (ingestFile: parse + COPY batches)"],
        [
          ["input lines", fmtInt(lines), fmtInt(lines)],
          ["rows stored (identical lines collapsed)", fmtInt(rows), fmtInt(oursRows)],
          ["transactions", "1", `${fmtInt(batches?.n ?? 0)} (8 MiB of file each, offset committed)`],
          ["time per round", rawTimes.map(fmtSeconds).join(", "), oursTimes.map(fmtSeconds).join(", ")],
          ["median time", fmtSeconds(rawMs), fmtSeconds(oursMs)],
          ["input lines/s", fmtInt(rawRate), fmtInt(oursRate)],
          [
            "of which: parsing alone (no database)",
            "—",
            `${fmtSeconds(parseOnly.ms)} (${fmtInt(lines / (parseOnly.ms / 1000))} lines/s)`,
          ],
        ],
      );
      const pass = ratio >= GOAL_RATIO;
      printTable(
        "Result",
        ["benchmark", "goal", "measured", "result"],
        [["ingest lines/s, ours / raw COPY", `≥ ${GOAL_RATIO.toFixed(2)}`, ratio.toFixed(2), verdict(pass)]],
      );
      return pass ? 0 : 1;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

runBench(main);
