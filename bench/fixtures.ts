// Bulk SQL fixtures for the benchmarks: many customers with escrow accounts on the mock chain, one
// running Seal or gRPC service each, API keys (stored as SHA-256 like the app does), registered
// Seal keys with a package, usage and a few failed invoices. Everything is generated inside
// PostgreSQL with generate_series, one statement per table; customer i (1-based) is the same
// customer in every table and in bench/traffic.ts (ids, key hashes, service).
import { sql } from "drizzle-orm";
import type { Database } from "#db/client.ts";
import { CUSTOMER_ID_SQL } from "./support.ts";
import { API_KEY_HASH_SQL, SERVICE_SQL } from "./traffic.ts";

export interface CustomerFixtureOptions {
  count: number;
  /** Month key ("2026-11") the customers' services are paid for and billing is opened to. */
  month: string;
  /** When the rows were created (a moment before the benchmark's clock). */
  createdAt: Date;
  /** API keys of customer i: a SQL expression of `i`. */
  keysSql: string;
  /** Seal services get one registered Seal key with one package; 1% also a key awaiting registration. */
  sealKeys: boolean;
}

const CID = CUSTOMER_ID_SQL("i");
const SERVICE = SERVICE_SQL("i");
const WALLET = `'0x' || encode(sha256(convert_to('wallet-' || i, 'UTF8')), 'hex')`;
const ESCROW = `'0x' || encode(sha256(convert_to('escrow-' || i, 'UTF8')), 'hex')`;
/** Chain balance: $50 to $1,000. */
const CHAIN_BALANCE = "(5000 + (i::bigint * 7919) % 95000)";
/** Starter 50%, Pro 35%, Business 15%. */
const TIER = `(case when (i * 7) % 20 < 10 then 'starter' when (i * 7) % 20 < 17 then 'pro' else 'business' end)`;

export async function createCustomers(db: Database, options: CustomerFixtureOptions): Promise<void> {
  const n = options.count;
  const created = options.createdAt.toISOString();
  const month = options.month;
  const statements = [
    `insert into customers (customer_id, wallet_address, status, billing_month, seal_keys_created, created_at, updated_at, last_login_at)
     select ${CID}, ${WALLET}, 'active', '${month}',
            case when ${SERVICE} = 'seal' and ${options.sealKeys} then (case when i % 100 = 3 then 2 else 1 end) else 0 end,
            '${created}', '${created}', '${created}'
       from generate_series(1, ${n}) i`,
    `insert into mock_chain_accounts (object_id, owner_address, balance_cents, spending_limit_cents, version, created_at)
     select ${ESCROW}, ${WALLET}, ${CHAIN_BALANCE}, 200000, case when i % 20 = 0 then 2 else 1 end, '${created}'
       from generate_series(1, ${n}) i`,
    // Every 20th customer deposited from their own wallet since the last refresh: the cached
    // balance is behind the chain by $25 until the balances task reads it.
    `insert into escrow_accounts (customer_id, object_id, balance_cents, balance_version, balance_refreshed_at, created_at)
     select ${CID}, ${ESCROW}, ${CHAIN_BALANCE} - case when i % 20 = 0 then 2500 else 0 end, 1, '${created}', '${created}'
       from generate_series(1, ${n}) i`,
    `insert into service_instances (customer_id, service_type, state, enabled, tier, burst_enabled, ip_allowlist,
                                    paid_month, paid_fee_cents, enabled_at, created_at, updated_at)
     select ${CID}, ${SERVICE}, 'active', i % 50 <> 7, t.tier, t.burst,
            case when t.tier <> 'starter' and i % 5 = 0
                 then array['203.0.113.' || (i % 250 + 1) || '/32', '198.51.100.0/24'] else '{}'::text[] end,
            '${month}',
            (case t.tier when 'starter' then 2000 when 'pro' then 4000 else 8000 end)
              + case when t.burst then 1000 else 0 end + 100 * (greatest(${options.keysSql}, 1) - 1),
            '${created}', '${created}', '${created}'
       from generate_series(1, ${n}) i
      cross join lateral (select ${TIER} as tier, ${TIER} <> 'starter' and i % 4 = 0 as burst) t`,
    `insert into api_keys (customer_id, service_instance_id, service_type, key_hash, key_prefix, key_suffix, name, created_at)
     select s.customer_id, s.id, s.service_type, h.hash,
            case s.service_type when 'seal' then 'S' else 'R' end || upper(substr(h.hash, 1, 5)),
            upper(substr(h.hash, 61, 4)), 'key ' || k, '${created}'
       from generate_series(1, ${n}) i
       join service_instances s on s.customer_id = ${CID}
      cross join lateral generate_series(1, ${options.keysSql}) k
      cross join lateral (select ${API_KEY_HASH_SQL("i", "k")} as hash) h`,
  ];
  if (options.sealKeys) {
    statements.push(
      `insert into seal_keys (customer_id, service_instance_id, name, state, public_key, object_id, created_at, updated_at)
       select s.customer_id, s.id, 'key ' || k,
              case when k = 1 then 'registered' else 'registering' end,
              case when k = 1 then '0x' || repeat(encode(sha256(convert_to('sealpk-' || i, 'UTF8')), 'hex'), 3) end,
              case when k = 1 then '0x' || encode(sha256(convert_to('sealobj-' || i, 'UTF8')), 'hex') end,
              '${created}', '${created}'
         from generate_series(1, ${n}) i
         join service_instances s on s.customer_id = ${CID} and s.service_type = 'seal'
        cross join lateral generate_series(1, case when i % 100 = 3 then 2 else 1 end) k
        order by i, k`,
      `insert into seal_packages (customer_id, seal_key_id, package_id, name, created_at)
       select k.customer_id, k.id, '0x' || encode(sha256(convert_to('pkg-' || k.id, 'UTF8')), 'hex'), 'app', '${created}'
         from seal_keys k`,
    );
  }
  for (const statement of statements) await db.execute(sql.raw(statement));
}

/**
 * Hourly usage for every customer over the `hours` before `until`: a few hundred billable
 * requests an hour (below the $5 invoicing threshold over a day), except every 50th customer,
 * who is busy enough for a usage invoice.
 */
export async function createUsage(db: Database, options: { count: number; hours: number; until: Date }) {
  const until = options.until.toISOString();
  await db.execute(
    sql.raw(`
    insert into usage_hourly (customer_id, service, hour, requests, billable, client_errors, server_errors,
                              denied, rate_limited, ip_blocked, unauthorized, bytes_in, bytes_out,
                              latency_sum_ms, latency_histogram)
    select ${CID}, ${SERVICE}, date_trunc('hour', '${until}'::timestamptz - make_interval(hours => h), 'UTC'),
           r.requests, r.requests * 93 / 100, r.requests * 3 / 100, r.requests / 100, r.requests / 100,
           r.requests * 2 / 100, 0, 0, r.requests * 700, r.requests * 2400, r.requests * 14,
           array[0, 0, 0, r.requests / 10, r.requests / 2, r.requests / 4, r.requests / 10, r.requests / 20,
                 r.requests / 40, 0, 0, 0, 0, 0]::bigint[]
      from generate_series(1, ${options.count}) i
     cross join generate_series(1, ${options.hours}) h
     cross join lateral (select case when i % 50 = 1 then 3000 + (i * h) % 500 else 50 + (i * 31 + h * 17) % 900 end
                                as requests) r`),
  );
}

/**
 * Every 200th customer has a usage invoice that failed for lack of funds two days ago (so is
 * throttled) and has since deposited enough: the bill task retries and collects it.
 */
export async function createFailedInvoices(db: Database, options: { count: number; failedAt: Date }) {
  const at = options.failedAt.toISOString();
  await db.execute(
    sql.raw(`
    with failed as (
      insert into billing_records (customer_id, kind, status, idempotency_key, amount_cents, period_start, period_end,
                                   failure_reason, attempt_count, last_attempt_at, first_failed_at, retry_on_failure,
                                   created_at, updated_at)
      select ${CID}, 'usage', 'failed', 'usage:0', 600, date_trunc('month', '${at}'::timestamptz, 'UTC'), '${at}',
             'insufficient_balance', 1, '${at}', '${at}', true, '${at}', '${at}'
        from generate_series(1, ${options.count}) i where i % 200 = 5
      returning id, customer_id
    )
    insert into billing_line_items (invoice_id, service_type, item_type, description, quantity, unit_price_cents,
                                    amount_cents, created_at)
    select f.id, s.service_type, 'usage', 'usage: 60,000 successful requests', 60000, 100, 600, '${at}'
      from failed f join service_instances s on s.customer_id = f.customer_id`),
  );
  await db.execute(
    sql.raw(`update customers set payment_overdue_since = '${at}'
              where customer_id in (select customer_id from billing_records where status = 'failed')`),
  );
}

export async function tableCounts(db: Database, tables: string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const result = (await db.execute(sql.raw(`select count(*)::int as n from ${table}`))) as unknown as {
      rows: { n: number }[];
    };
    counts[table] = result.rows[0]?.n ?? 0;
  }
  return counts;
}
