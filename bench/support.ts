// Shared plumbing of the benchmark scripts (bench/*.ts, see BENCHMARKS.md): a fresh PostgreSQL
// database per run (`suiftly_bench_<name>_<timestamp>`, migrated, dropped at the end even on
// failure or Ctrl-C), the BENCH_SCALE knob, timing, and the result table.
import { cpus, totalmem } from "node:os";
import { sql } from "drizzle-orm";
import pg from "pg";
import { type DatabaseHandle, openDatabase, queryRows } from "#db/client.ts";
import { migrateDatabase } from "#db/migrate.ts";

export const BENCH_DB_PREFIX = "suiftly_bench_";

export function adminUrl(): string {
  return process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
}

/** BENCH_SCALE (default 1) multiplies every size: 0.1 is a quick smoke run. */
export function benchScale(): number {
  const raw = process.env.BENCH_SCALE;
  if (raw === undefined || raw.trim() === "") return 1;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`BENCH_SCALE must be a positive number: ${raw}`);
  return value;
}

export function scaled(size: number, minimum = 1): number {
  return Math.max(minimum, Math.round(size * benchScale()));
}

/** BENCH_ROUNDS: how many times each side of a comparison runs (the median is reported). */
export function benchRounds(fallback: number): number {
  const raw = process.env.BENCH_ROUNDS;
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`BENCH_ROUNDS must be a positive integer: ${raw}`);
  return value;
}

export interface BenchDatabase {
  name: string;
  url: string;
  handle: DatabaseHandle;
}

function benchDatabaseName(bench: string): string {
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const name = `${BENCH_DB_PREFIX}${bench}_${stamp}`;
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bad benchmark database name ${name}`);
  return name;
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl(), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function dropBenchDatabase(name: string): Promise<void> {
  if (!name.startsWith(BENCH_DB_PREFIX)) throw new Error(`refusing to drop ${name}`);
  await withAdmin((client) => client.query(`drop database if exists "${name}" with (force)`));
}

/**
 * Create `suiftly_bench_<bench>_<timestamp>`, migrate it, run `fn`, and drop the database
 * whatever happens (an error, SIGINT or SIGTERM included).
 *
 * With `reusable` (the HTTP benchmarks, whose data set takes minutes to load), two settings:
 * BENCH_KEEP_DATABASE=1 keeps the database at the end instead of dropping it, and
 * BENCH_DATABASE=<name> runs against such a kept `suiftly_bench_*` database (migrated, never
 * dropped) instead of creating one.
 */
export async function withBenchDatabase<T>(
  bench: string,
  fn: (database: BenchDatabase) => Promise<T>,
  options: { poolMax?: number; reusable?: boolean } = {},
): Promise<T> {
  const reuse = options.reusable ? process.env.BENCH_DATABASE?.trim() || undefined : undefined;
  const keep = reuse !== undefined || (options.reusable === true && truthy(process.env.BENCH_KEEP_DATABASE));
  if (reuse !== undefined && !(reuse.startsWith(BENCH_DB_PREFIX) && /^[a-z0-9_]+$/.test(reuse)))
    throw new Error(`BENCH_DATABASE must name a ${BENCH_DB_PREFIX}* database: ${reuse}`);
  const name = reuse ?? benchDatabaseName(bench);
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  if (reuse === undefined) await withAdmin((client) => client.query(`create database "${name}"`));
  let handle: DatabaseHandle | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (keep) process.exit(130);
    console.error(`\n${signal}: dropping ${name}`);
    dropBenchDatabase(name).finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    handle = await openDatabase({
      url: url.toString(),
      poolMax: options.poolMax ?? 6,
      applicationName: `suiftly-bench-${bench}`,
    });
    await migrateDatabase(handle);
    return await fn({ name, url: url.toString(), handle });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await handle?.close().catch(() => {});
    if (keep) {
      console.log(`(kept database ${name}: reuse it with BENCH_DATABASE=${name}, drop it when done)`);
    } else {
      await dropBenchDatabase(name);
      console.log(`(dropped database ${name})`);
    }
  }
}

function truthy(value: string | undefined): boolean {
  return ["1", "true", "yes"].includes((value ?? "").trim().toLowerCase());
}

/** Run `fn` and return its wall-clock duration in milliseconds with its value. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export function fmtInt(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

export function fmtSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

export function fmtMs(ms: number): string {
  return `${Math.round(ms).toLocaleString("en-US")} ms`;
}

export function verdict(pass: boolean): "PASS" | "FAIL" {
  return pass ? "PASS" : "FAIL";
}

/** Print a left-aligned text table with a title. */
export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? "").length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`;
  console.log(`\n${title}\n`);
  console.log(line(header));
  console.log(`| ${widths.map((width) => "-".repeat(width)).join(" | ")} |`);
  for (const row of cells.slice(1)) console.log(line(row));
  console.log("");
}

/** One line about the machine and the database, printed at the top of every benchmark. */
export async function describeMachine(handle: DatabaseHandle): Promise<string> {
  const [version] = await queryRows<{ v: string }>(
    handle.db,
    sql`select current_setting('server_version') as v`,
  );
  const [settings] = await queryRows<{ sb: string; wm: string }>(
    handle.db,
    sql`select current_setting('shared_buffers') as sb, current_setting('work_mem') as wm`,
  );
  const cpu = cpus();
  return [
    `${cpu.length} cores (${cpu[0]?.model.trim() ?? "unknown CPU"})`,
    `${Math.round(totalmem() / 2 ** 30)} GB RAM`,
    `Node ${process.versions.node}`,
    `PostgreSQL ${version?.v ?? "?"} (shared_buffers ${settings?.sb}, work_mem ${settings?.wm})`,
    `BENCH_SCALE ${benchScale()}`,
  ].join(", ");
}

/**
 * Customer ids as the app draws them (random in [1, 2^31-1]), but reproducible and distinct:
 * i ↦ i·48271 mod (2^31−1) is a bijection of 1..2^31−2 (the Lehmer generator). Same formula in SQL.
 */
export function customerIdOf(index: number): number {
  return Number((BigInt(index) * 48_271n) % 2_147_483_647n);
}
export const CUSTOMER_ID_SQL = (indexExpression: string) =>
  `((${indexExpression})::bigint * 48271 % 2147483647)::int`;

/** Small, fast, seeded PRNG (mulberry32): the same data on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Run a benchmark's main: its result is the exit status (1 = a goal missed); a crash is 2. */
export function runBench(main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 2;
    },
  );
}
