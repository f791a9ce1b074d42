// Meter (spec §7.2): fold committed, not-yet-metered ingest batches into `usage_hourly`, exactly
// once. One SQL statement claims batches (FOR UPDATE SKIP LOCKED), adds their rows to the hourly
// rollups and marks them metered: it commits all of it or none of it, so a crash at any point,
// a concurrent ingest (uncommitted batches are invisible) or a second meter (locked batches are
// skipped) can neither lose a row nor count one twice. Late rows simply land in their own hour.
import { sql } from "drizzle-orm";
import { LATENCY_BUCKET_BOUNDS_MS, LATENCY_BUCKETS } from "#app/domain/usage.ts";
import { type Queryable, queryRows } from "#db/client.ts";
import type { ManagerTask } from "../cycle.ts";

/** Batches folded per statement: bounds the work (and the locks) of one transaction. */
const BATCHES_PER_STATEMENT = 64;

const bucket = `width_bucket(greatest(l.t_total_ms, 0), array[${LATENCY_BUCKET_BOUNDS_MS.join(",")}]::int[])`;
const histogram = `array[${Array.from(
  { length: LATENCY_BUCKETS },
  (_, i) => `coalesce(sum(l.repeat) filter (where ${bucket} = ${i}), 0)`,
).join(", ")}]::bigint[]`;

const METER_STATEMENT = sql.raw(`
with claimed as (
  select id, min_ts, max_ts from ingest_batches
   where metered_at is null
   order by id
   limit ${BATCHES_PER_STATEMENT}
   for update skip locked
), folded as (
  select l.customer_id, l.service, date_trunc('hour', l.ts, 'UTC') as hour,
         sum(l.repeat) as requests,
         coalesce(sum(l.repeat) filter (where l.outcome = 'ok' and l.status between 200 and 399), 0) as billable,
         coalesce(sum(l.repeat) filter (where l.outcome in ('ok', 'error') and l.status between 400 and 499), 0) as client_errors,
         coalesce(sum(l.repeat) filter (where l.outcome in ('ok', 'error') and (l.status >= 500 or l.status < 100)), 0) as server_errors,
         coalesce(sum(l.repeat) filter (where l.outcome = 'denied'), 0) as denied,
         coalesce(sum(l.repeat) filter (where l.outcome = 'ratelimited'), 0) as rate_limited,
         coalesce(sum(l.repeat) filter (where l.outcome = 'ipblocked'), 0) as ip_blocked,
         coalesce(sum(l.repeat) filter (where l.outcome = 'unauthorized'), 0) as unauthorized,
         sum(l.repeat * l.bytes_in) as bytes_in,
         sum(l.repeat * l.bytes_out) as bytes_out,
         sum(l.repeat * greatest(l.t_total_ms, 0)) as latency_sum_ms,
         ${histogram} as latency_histogram
    from haproxy_logs l
    join claimed c on c.id = l.batch_id
   where l.customer_id is not null
     and l.ts >= (select min(min_ts) from claimed)
     and l.ts <= (select max(max_ts) from claimed)
   group by 1, 2, 3
), upserted as (
  insert into usage_hourly as u
         (customer_id, service, hour, requests, billable, client_errors, server_errors, denied, rate_limited,
          ip_blocked, unauthorized, bytes_in, bytes_out, latency_sum_ms, latency_histogram)
  select * from folded
  on conflict (customer_id, service, hour) do update set
    requests = u.requests + excluded.requests,
    billable = u.billable + excluded.billable,
    client_errors = u.client_errors + excluded.client_errors,
    server_errors = u.server_errors + excluded.server_errors,
    denied = u.denied + excluded.denied,
    rate_limited = u.rate_limited + excluded.rate_limited,
    ip_blocked = u.ip_blocked + excluded.ip_blocked,
    unauthorized = u.unauthorized + excluded.unauthorized,
    bytes_in = u.bytes_in + excluded.bytes_in,
    bytes_out = u.bytes_out + excluded.bytes_out,
    latency_sum_ms = u.latency_sum_ms + excluded.latency_sum_ms,
    latency_histogram = (
      select array_agg(coalesce(a, 0) + coalesce(b, 0) order by n)
        from unnest(u.latency_histogram, excluded.latency_histogram) with ordinality as t(a, b, n)
    )
  returning 1
)
update ingest_batches set metered_at = now()
 where id in (select id from claimed)
returning id, (select count(*) from upserted) as hours
`);

/** Fold everything currently committed; returns the batches and hourly rows touched. */
export async function meterAll(
  db: Queryable,
  signal?: AbortSignal,
): Promise<{ batches: number; hourRows: number }> {
  let batches = 0;
  let hourRows = 0;
  while (!signal?.aborted) {
    const rows = await queryRows<{ id: string; hours: string }>(db, METER_STATEMENT);
    if (rows.length === 0) break;
    batches += rows.length;
    hourRows += Number(rows[0]?.hours ?? 0);
  }
  return { batches, hourRows };
}

export const meterTask: ManagerTask = {
  name: "meter",
  async run({ db, signal }) {
    return meterAll(db, signal);
  },
};
