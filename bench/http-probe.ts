// Where a request's time goes, measured from outside the server: CPU time of the server process
// and of its PostgreSQL backends (Linux /proc), the database's transaction and row counters, and
// (opt-in) a sampler of the statements the server's backends are running.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { type DatabaseHandle, queryRows } from "#db/client.ts";

let tickMs: number | undefined;
function clockTickMs(): number {
  if (tickMs === undefined) {
    try {
      tickMs = 1000 / Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    } catch {
      tickMs = 10;
    }
    if (!Number.isFinite(tickMs) || tickMs <= 0) tickMs = 10;
  }
  return tickMs;
}

/** User + system CPU time of a process in ms (Linux), or null when it cannot be read. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields after the command: state is field 3, utime 14 and stime 15.
    return (Number(fields[11]) + Number(fields[12])) * clockTickMs();
  } catch {
    return null;
  }
}

/** PostgreSQL backends of this database that are not the benchmark's own connections. */
/** The process and its descendants (Linux /proc), e.g. a cluster primary and its workers. */
export function processTree(pid: number): number[] {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    const parent = pids[i] as number;
    try {
      const tasks = readdirSync(`/proc/${parent}/task`);
      for (const task of tasks) {
        const children = readFileSync(`/proc/${parent}/task/${task}/children`, "utf8").trim();
        if (children) pids.push(...children.split(/\s+/).map(Number));
      }
    } catch {
      // The process is gone: count what is left.
    }
  }
  return pids;
}

/** CPU ms of a process and all its descendants (a cluster's primary and workers), or null. */
export function processTreeCpuMs(pid: number): number | null {
  let total: number | null = null;
  for (const member of processTree(pid)) {
    const ms = processCpuMs(member);
    if (ms !== null) total = (total ?? 0) + ms;
  }
  return total;
}

export async function serverBackendPids(handle: DatabaseHandle): Promise<number[]> {
  const rows = await queryRows<{ pid: number }>(
    handle.db,
    sql`select pid from pg_stat_activity
         where datname = current_database() and backend_type = 'client backend'
           and application_name not like 'suiftly-bench-%'`,
  );
  return rows.map((row) => Number(row.pid));
}

export interface CpuSnapshot {
  server: number | null;
  backends: Map<number, number>;
}

export async function cpuSnapshot(
  handle: DatabaseHandle,
  serverPid: number | undefined,
): Promise<CpuSnapshot> {
  const backends = new Map<number, number>();
  for (const pid of await serverBackendPids(handle)) {
    const ms = processCpuMs(pid);
    if (ms !== null) backends.set(pid, ms);
  }
  return { server: serverPid ? processTreeCpuMs(serverPid) : null, backends };
}

/** CPU ms spent between two snapshots by the server and by its backends (new backends from 0). */
export function cpuBetween(
  before: CpuSnapshot,
  after: CpuSnapshot,
): { server: number | null; database: number } {
  let database = 0;
  for (const [pid, ms] of after.backends) database += ms - (before.backends.get(pid) ?? 0);
  const server = before.server !== null && after.server !== null ? after.server - before.server : null;
  return { server, database };
}

export interface DbCounters {
  tuples: number;
}

/**
 * Rows read in this database (`tup_returned + tup_fetched`). Not transactions: PostgreSQL 15
 * holds back the transaction count of a backend that touched no table (the `select 1` of
 * /health) until it next touches one, which would charge /health's transactions to the next URL.
 */
export async function dbCounters(handle: DatabaseHandle): Promise<DbCounters> {
  const [row] = await queryRows<{ tuples: string }>(
    handle.db,
    sql`select tup_returned + tup_fetched as tuples from pg_stat_database where datname = current_database()`,
  );
  return { tuples: Number(row?.tuples ?? 0) };
}

/**
 * A busy backend publishes its counters at most once a second, and a backend that went idle
 * only after PostgreSQL's idle interval (10 s): counters are read after that much quiet.
 */
export const STATS_SETTLE_MS = 11_000;

/** Samples pg_stat_activity every `intervalMs`: which statements the server's backends are running. */
export class QuerySampler {
  private readonly counts = new Map<string, number>();
  private samples = 0;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  private readonly handle: DatabaseHandle;
  private readonly intervalMs: number;

  constructor(handle: DatabaseHandle, intervalMs = 25) {
    this.handle = handle;
    this.intervalMs = intervalMs;
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      queryRows<{ query: string }>(
        this.handle.db,
        sql`select query from pg_stat_activity
             where datname = current_database() and state = 'active'
               and application_name not like 'suiftly-bench-%'`,
      )
        .then((rows) => {
          this.samples++;
          for (const row of rows) {
            const key = row.query.replace(/\s+/g, " ").trim().slice(0, 160);
            this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
          }
        })
        .catch(() => {})
        .finally(() => {
          this.busy = false;
        });
    }, this.intervalMs);
  }

  /** Stop; the statements seen most often (share of samples in which a backend ran them). */
  stop(top = 5): { query: string; share: number }[] {
    clearInterval(this.timer);
    return [...this.counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([query, count]) => ({ query, share: this.samples ? count / this.samples : 0 }));
  }
}
