// The data set of the HTTP benchmarks: customers as the dashboard sees them after a month of
// traffic. Everything is bulk-loaded: generate_series SQL for customers, chain accounts, escrow,
// services, API keys, invoices and the ledger; COPY (pg-copy-streams) for the request logs, which
// the manager's own meter then folds into usage_hourly, so stats and logs tell the same story.
//
// Customer i (1-based) has an enabled Seal service with 1–3 API keys; every third customer also
// runs gRPC (1–2 keys). Traffic is skewed like bench/traffic.ts (the heaviest customer makes ~10%
// of all requests, the lightest a few per hour). Customers in `signedIn` get the wallet of
// `benchKeypair(i)`, so the benchmark can sign them in with real signatures.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { sql } from "drizzle-orm";
import { from as copyFrom } from "pg-copy-streams";
import type { DatabaseHandle } from "#db/client.ts";
import { ensureLogPartitions } from "#db/partitions.ts";
import type { ServiceType } from "#db/schema/index.ts";
import { seedDatabase } from "#db/seed.ts";
import { meterAll } from "#manager/tasks/meter.ts";
import { benchKeypair } from "./http-session.ts";
import { CUSTOMER_ID_SQL, customerIdOf, fmtInt, scaled, seededRandom } from "./support.ts";
import { csvRow, generateTraffic, LOG_COLUMNS, type TrafficCustomer, trafficCustomers } from "./traffic.ts";

const DAY_MS = 86_400_000;
const ROWS_PER_BATCH = 500_000;

/** The data set of bench:http and bench:plans, × BENCH_SCALE: 1,000 customers, 10 M log rows, 30 days. */
export function httpDataSize(): { customers: number; logRows: number; days: number } {
  return { customers: scaled(1_000, 20), logRows: scaled(10_000_000, 10_000), days: 30 };
}

/** How many customers bench:http signs in by default (BENCH_SESSIONS). */
export function defaultSessions(): number {
  return scaled(20, 5);
}

export interface HttpDataOptions {
  customers: number;
  logRows: number;
  days: number;
  /** Customer indexes (1-based) whose wallet is `benchKeypair(index)`. */
  signedIn: number[];
  now: Date;
  /** Print progress of the log load. */
  progress?: boolean;
}

/**
 * `count` customer indexes spread geometrically over 1..customers (1, 2, 3, 5, 8, … customers):
 * the heaviest customers and the long tail are both signed in.
 */
export function spreadIndexes(customers: number, count: number): number[] {
  const n = Math.min(count, customers);
  const chosen = new Set<number>();
  for (let k = 0; k < n; k++) {
    let index = Math.max(1, Math.round(customers ** (n === 1 ? 0 : k / (n - 1))));
    while (chosen.has(index) && index < customers) index++;
    while (chosen.has(index)) index--;
    chosen.add(index);
  }
  return [...chosen].sort((a, b) => a - b);
}

const CID = CUSTOMER_ID_SQL("i");
const GRPC = "(i % 3 = 0)";
/** Starter 50%, Pro 35%, Business 15% (as bench/fixtures.ts). */
const TIER = `(case when (i * 7) % 20 < 10 then 'starter' when (i * 7) % 20 < 17 then 'pro' else 'business' end)`;
const TIER_FEE = (tier: string) =>
  `(case ${tier} when 'starter' then 2000 when 'pro' then 4000 else 8000 end)`;

async function exec(handle: DatabaseHandle, text: string, params: unknown[] = []): Promise<number> {
  const pool = handle.pool;
  if (!pool) throw new Error("the HTTP benchmarks need PostgreSQL");
  const result = await pool.query(text, params);
  return result.rowCount ?? 0;
}

/** Customers, wallets, escrow, services, API keys, this and last month's paid invoices, the ledger. */
export async function createHttpCustomers(
  handle: DatabaseHandle,
  options: HttpDataOptions,
): Promise<Record<string, number>> {
  const n = options.customers;
  const now = options.now.toISOString();
  const created = new Date(options.now.getTime() - (options.days + 30) * DAY_MS).toISOString();
  const signedIn = options.signedIn.filter((index) => index <= n);
  const wallets = signedIn.map((index) => benchKeypair(index).toSuiAddress());
  const counts: Record<string, number> = {};
  const wallet = `coalesce(w.address, '0x' || encode(sha256(convert_to('wallet-' || i, 'UTF8')), 'hex'))`;
  const walletJoin = "left join unnest($1::int[], $2::text[]) as w(wi, address) on w.wi = s.i";
  const escrow = `'0x' || encode(sha256(convert_to('escrow-' || i, 'UTF8')), 'hex')`;
  // $50 to $1,000 on chain.
  const balance = "(5000 + (i::bigint * 7919) % 95000)";
  const month = `to_char('${now}'::timestamptz at time zone 'UTC', 'YYYY-MM')`;

  counts.customers = await exec(
    handle,
    `insert into customers (customer_id, wallet_address, status, billing_month, seal_keys_created,
                            created_at, updated_at, last_login_at)
     select ${CID}, ${wallet}, 'active', ${month}, 0, '${created}', '${created}', '${created}'
       from generate_series(1, ${n}) s(i) ${walletJoin}`,
    [signedIn, wallets],
  );
  counts.mock_chain_accounts = await exec(
    handle,
    `insert into mock_chain_accounts (object_id, owner_address, balance_cents, spending_limit_cents, version, created_at)
     select ${escrow}, ${wallet}, ${balance}, 200000, 1, '${created}'
       from generate_series(1, ${n}) s(i) ${walletJoin}`,
    [signedIn, wallets],
  );
  counts.escrow_accounts = await exec(
    handle,
    `insert into escrow_accounts (customer_id, object_id, balance_cents, balance_version, balance_refreshed_at, created_at)
     select ${CID}, ${escrow}, ${balance}, 1, '${now}'::timestamptz - interval '3 minutes', '${created}'
       from generate_series(1, ${n}) i`,
  );
  counts.service_instances = await exec(
    handle,
    `insert into service_instances (customer_id, service_type, state, enabled, tier, burst_enabled, ip_allowlist,
                                    paid_month, paid_fee_cents, enabled_at, created_at, updated_at)
     select ${CID}, v.service, 'active', true, t.tier, t.burst,
            case when t.tier <> 'starter' and i % 5 = 0
                 then array['203.0.113.' || (i % 250 + 1) || '/32', '198.51.100.0/24'] else '{}'::text[] end,
            ${month}, ${TIER_FEE("t.tier")} + case when t.burst then 1000 else 0 end + 100 * (v.keys - 1),
            '${created}', '${created}', '${created}'
       from generate_series(1, ${n}) i
      cross join lateral (select ${TIER} as tier, ${TIER} <> 'starter' and i % 4 = 0 as burst) t
      cross join lateral (values ('seal', 1 + i % 3), ('grpc', 1 + i % 2)) v(service, keys)
      where v.service = 'seal' or ${GRPC}
      order by i, v.service desc`,
  );
  // Keys as the app makes them (S|R + 30 Base32-looking characters), stored as SHA-256 with their
  // first 6 / last 4 characters; every 10th customer also has a revoked Seal key.
  counts.api_keys = await exec(
    handle,
    `insert into api_keys (customer_id, service_instance_id, service_type, key_hash, key_prefix, key_suffix, name,
                           created_at, revoked_at)
     select s.customer_id, s.id, s.service_type, encode(sha256(convert_to(k.key, 'UTF8')), 'hex'),
            left(k.key, 6), right(k.key, 4), 'key ' || k.n, '${created}',
            case when k.revoked then '${now}'::timestamptz - interval '10 days' end
       from generate_series(1, ${n}) i
       join service_instances s on s.customer_id = ${CID}
      cross join lateral generate_series(1, case s.service_type when 'seal' then 1 + i % 3 + (i % 10 = 0)::int
                                                                else 1 + i % 2 end) g(n)
      cross join lateral (
        select g.n,
               s.service_type = 'seal' and i % 10 = 0 and g.n = 1 + i % 3 + 1 as revoked,
               case s.service_type when 'seal' then 'S' else 'R' end ||
               translate(upper(substr(encode(sha256(convert_to('bench-key-' || i || '-' || s.service_type || '-' || g.n,
                                                                'UTF8')), 'hex'), 1, 30)), '0189', 'WXYZ') as key
      ) k
      order by i, s.service_type desc, g.n`,
  );
  // A deposit 40 days ago, then each month's subscription invoice, paid from escrow at its start.
  counts.escrow_transactions = await exec(
    handle,
    `insert into escrow_transactions (customer_id, kind, amount_cents, tx_digest, balance_after_cents, executed_at, created_at)
     select ${CID}, 'deposit', 50000, 'bench-deposit-' || i, 50000,
            '${created}'::timestamptz + interval '1 hour', '${created}'::timestamptz + interval '1 hour'
       from generate_series(1, ${n}) i`,
  );
  counts.billing_records = await exec(
    handle,
    `with months as (
       select m, date_trunc('month', '${now}'::timestamptz - make_interval(months => m), 'UTC') as start
         from generate_series(0, 1) m
     )
     insert into billing_records (customer_id, kind, status, idempotency_key, amount_cents, period_start, period_end,
                                  retry_on_failure, attempt_count, last_attempt_at, paid_at, tx_digest, created_at, updated_at)
     select s.customer_id, 'subscription', 'paid', 'month:' || to_char(mo.start at time zone 'UTC', 'YYYY-MM'),
            sum(s.paid_fee_cents), mo.start, mo.start + interval '1 month', true, 1,
            least(mo.start + interval '5 minutes', '${now}'::timestamptz), least(mo.start + interval '5 minutes', '${now}'::timestamptz),
            'bench-charge-' || s.customer_id || '-' || mo.m,
            least(mo.start + interval '5 minutes', '${now}'::timestamptz), least(mo.start + interval '5 minutes', '${now}'::timestamptz)
       from service_instances s cross join months mo
      group by s.customer_id, mo.m, mo.start
      order by mo.start, s.customer_id`,
  );
  counts.billing_line_items = await exec(
    handle,
    `insert into billing_line_items (invoice_id, service_type, item_type, description, quantity, unit_price_cents,
                                     amount_cents, created_at)
     select r.id, s.service_type, 'tier', initcap(s.service_type) || ' ' || initcap(s.tier) || ' plan', 1,
            s.paid_fee_cents, s.paid_fee_cents, r.created_at
       from billing_records r join service_instances s on s.customer_id = r.customer_id`,
  );
  await exec(
    handle,
    `insert into escrow_transactions (customer_id, kind, amount_cents, tx_digest, invoice_id, executed_at, created_at)
     select customer_id, 'charge', amount_cents, tx_digest, id, paid_at, paid_at from billing_records`,
  );
  counts.escrow_transactions += counts.billing_records;
  return counts;
}

/** The customers' traffic identities, heaviest first, read back from what was stored. */
async function trafficIdentities(handle: DatabaseHandle, customers: number): Promise<TrafficCustomer[]> {
  const pool = handle.pool;
  if (!pool) throw new Error("the HTTP benchmarks need PostgreSQL");
  const { rows } = await pool.query<{ customer_id: number; service_type: ServiceType; fps: string[] }>(
    `select customer_id, service_type, array_agg(left(key_hash, 16) order by id) as fps
       from api_keys where revoked_at is null group by 1, 2`,
  );
  const keys = new Map(rows.map((row) => [`${row.customer_id}/${row.service_type}`, row.fps]));
  // Client IPs as bench/traffic.ts draws them.
  const base = trafficCustomers(customers, () => 0, seededRandom(30_000_000));
  const identities: TrafficCustomer[] = [];
  for (let i = 1; i <= customers; i++) {
    const customerId = customerIdOf(i);
    for (const service of ["seal", "grpc"] as const) {
      const fps = keys.get(`${customerId}/${service}`);
      if (fps) identities.push({ customerId, service, keyFps: fps, ips: base[i - 1]?.ips ?? ["192.0.2.1"] });
    }
  }
  return identities;
}

/**
 * `logRows` request-log rows over the `days` before `now`, COPYed in batches of 500,000 rows, each
 * with its `ingest_batches` row and the customers' log marks in the same transaction (as the
 * ingest leaves them: committed, not yet metered). Returns the rows and the requests (rows × repeat) stored.
 */
export async function loadHttpLogs(
  handle: DatabaseHandle,
  options: HttpDataOptions,
): Promise<{ rows: number; requests: number; batches: number }> {
  const pool = handle.pool;
  if (!pool) throw new Error("the HTTP benchmarks need PostgreSQL");
  const endMs = options.now.getTime() - 60_000;
  const startMs = endMs - options.days * DAY_MS;
  await ensureLogPartitions(handle.db, new Date(startMs - 3_600_000), new Date(endMs));
  const random = seededRandom(10_000_000);
  const identities = await trafficIdentities(handle, options.customers);
  const batches = Math.max(1, Math.ceil(options.logRows / ROWS_PER_BATCH));
  const span = (endMs - startMs) / batches;
  let rows = 0;
  let requests = 0;
  const client = await pool.connect();
  try {
    for (let b = 0; b < batches; b++) {
      const count = Math.floor(options.logRows / batches) + (b < options.logRows % batches ? 1 : 0);
      await client.query("begin");
      const inserted = await client.query<{ id: string }>(
        `insert into ingest_batches (source, row_count, created_at) values ('file:/var/log/haproxy.log', 0, $1) returning id`,
        [new Date(startMs + (b + 1) * span).toISOString()],
      );
      const batchId = Number(inserted.rows[0]?.id);
      let minTs = Number.POSITIVE_INFINITY;
      let maxTs = Number.NEGATIVE_INFINITY;
      const records = generateTraffic(identities, {
        startMs: startMs + b * span,
        endMs: startMs + (b + 1) * span,
        count,
        random,
      });
      function* chunks(): Generator<string> {
        let parts: string[] = [];
        for (const record of records) {
          // Identical lines collapsed by the ingest: 1% of rows carry a repeat count.
          const repeat = random() < 0.01 ? 2 + Math.floor(random() * 3) : 1;
          if (record.tsMs < minTs) minTs = record.tsMs;
          if (record.tsMs > maxTs) maxTs = record.tsMs;
          requests += repeat;
          parts.push(csvRow(record, repeat, batchId));
          if (parts.length >= 2_000) {
            yield parts.join("");
            parts = [];
          }
        }
        if (parts.length) yield parts.join("");
      }
      await pipeline(
        Readable.from(chunks()),
        client.query(copyFrom(`copy haproxy_logs (${LOG_COLUMNS}) from stdin with (format csv)`)),
      );
      await client.query(`update ingest_batches set row_count = $2, min_ts = $3, max_ts = $4 where id = $1`, [
        batchId,
        count,
        new Date(minTs).toISOString(),
        new Date(maxTs).toISOString(),
      ]);
      // The log marks the ingest moves for the customers of each batch (customer_log_marks).
      await client.query(
        `insert into customer_log_marks (customer_id, batch_id)
         select distinct customer_id, $1::bigint from haproxy_logs where batch_id = $1 and customer_id is not null
         on conflict (customer_id) do update set batch_id = excluded.batch_id`,
        [batchId],
      );
      await client.query("commit");
      rows += count;
      if (options.progress) process.stdout.write(`\rloaded ${fmtInt(rows)} log rows`);
    }
    if (options.progress) process.stdout.write("\n");
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  return { rows, requests, batches };
}

/** The manager's meter folds the logs into usage_hourly; then the planner gets fresh statistics. */
export async function meterAndAnalyze(
  handle: DatabaseHandle,
): Promise<{ batches: number; hourRows: number }> {
  const metered = await meterAll(handle.db);
  // Partitions a week ahead, as the server's start and the manager's cleanup keep them.
  await seedDatabase(handle.db);
  // Settle the loaded pages (hint bits, visibility map) as autovacuum would have, and ANALYZE all.
  await handle.db.execute(sql`vacuum (analyze) haproxy_logs`);
  await handle.db.execute(sql`analyze`);
  // Write the loaded pages out now, not during the measurements.
  await handle.db.execute(sql`checkpoint`);
  return metered;
}

/** What a loaded data set holds, recorded in the database so a kept one can be reused. */
export interface HttpDataSet {
  customers: number;
  logRows: number;
  days: number;
  signedIn: number[];
  /** When the logs were generated: they cover the `days` before this. */
  loadedAt: string;
  tables: Record<string, number>;
  requests: number;
  batches: number;
  hourRows: number;
}

const DATASET_TABLE = "bench_http_dataset";

/**
 * The data set a kept database (BENCH_DATABASE) already holds, or null for an empty database.
 * Refuses a database loaded with other sizes, or holding customers it did not record.
 */
export async function storedHttpDataSet(
  handle: DatabaseHandle,
  options: HttpDataOptions,
): Promise<HttpDataSet | null> {
  await exec(handle, `create table if not exists ${DATASET_TABLE} (id int primary key, data jsonb not null)`);
  const pool = handle.pool;
  if (!pool) throw new Error("the HTTP benchmarks need PostgreSQL");
  const { rows } = await pool.query<{ data: HttpDataSet }>(`select data from ${DATASET_TABLE} where id = 1`);
  const stored = rows[0]?.data;
  if (!stored) {
    const { rows: count } = await pool.query<{ n: string }>("select count(*) as n from customers");
    if (Number(count[0]?.n) > 0)
      throw new Error("the database holds customers but no recorded benchmark data set: use a fresh one");
    return null;
  }
  const wanted = { customers: options.customers, logRows: options.logRows, days: options.days };
  const has = { customers: stored.customers, logRows: stored.logRows, days: stored.days };
  if (
    JSON.stringify(wanted) !== JSON.stringify(has) ||
    options.signedIn.some((index) => !stored.signedIn.includes(index))
  )
    throw new Error(
      `the database holds another data set (${JSON.stringify(has)}, wanted ${JSON.stringify(wanted)}): check BENCH_SCALE`,
    );
  return stored;
}

export async function recordHttpDataSet(handle: DatabaseHandle, dataset: HttpDataSet): Promise<void> {
  await exec(
    handle,
    `insert into ${DATASET_TABLE} (id, data) values (1, $1) on conflict (id) do update set data = $1`,
    [JSON.stringify(dataset)],
  );
}
