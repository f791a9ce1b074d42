// Daily range partitions of `haproxy_logs` (spec §2.4: native partitioning, no TimescaleDB).
// Partition names encode their UTC day so retention can drop them without looking inside.
import { sql } from "drizzle-orm";
import { type Queryable, queryRows } from "./client.ts";

const DAY_MS = 86_400_000;
export const LOG_RETENTION_DAYS = 90;
const PARTITION_PREFIX = "haproxy_logs_p";

export function utcDayStart(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

function dayKey(day: Date): string {
  return day.toISOString().slice(0, 10).replaceAll("-", "");
}

export function partitionNameFor(date: Date): string {
  return `${PARTITION_PREFIX}${dayKey(utcDayStart(date))}`;
}

/** Create the daily partitions covering [from, to] (inclusive days). Idempotent. */
export async function ensureLogPartitions(db: Queryable, from: Date, to: Date): Promise<string[]> {
  const created: string[] = [];
  const existing = new Set(await listLogPartitions(db));
  for (let day = utcDayStart(from); day <= to; day = new Date(day.getTime() + DAY_MS)) {
    const name = partitionNameFor(day);
    if (existing.has(name)) continue;
    const next = new Date(day.getTime() + DAY_MS);
    await db.execute(
      sql.raw(
        `CREATE TABLE IF NOT EXISTS "${name}" PARTITION OF "haproxy_logs" ` +
          `FOR VALUES FROM ('${day.toISOString()}') TO ('${next.toISOString()}')`,
      ),
    );
    created.push(name);
  }
  return created;
}

export async function listLogPartitions(db: Queryable): Promise<string[]> {
  const rows = await queryRows<{ name: string }>(
    db,
    sql`select child.relname as name
          from pg_inherits
          join pg_class parent on parent.oid = pg_inherits.inhparent
          join pg_class child on child.oid = pg_inherits.inhrelid
         where parent.relname = 'haproxy_logs'
         order by child.relname`,
  );
  return rows.map((row) => row.name);
}

/** Drop partitions whose whole day is older than the retention window. */
export async function dropExpiredLogPartitions(
  db: Queryable,
  now: Date,
  retentionDays = LOG_RETENTION_DAYS,
): Promise<string[]> {
  const cutoff = partitionNameFor(new Date(utcDayStart(now).getTime() - retentionDays * DAY_MS));
  const dropped: string[] = [];
  for (const name of await listLogPartitions(db)) {
    if (/^haproxy_logs_p\d{8}$/.test(name) && name < cutoff) {
      await db.execute(sql.raw(`DROP TABLE IF EXISTS "${name}"`));
      dropped.push(name);
    }
  }
  return dropped;
}
