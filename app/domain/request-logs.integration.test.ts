// The request-log page query must be servable straight from the indexes: newest first, the
// "newer" direction, and the problem filters. With sorting and sequential scans priced out, a
// plan that still needs a Sort node means no index provides the order (which is what happened
// when the index was declared NULLS LAST: every page read and sorted the whole range).
import { sql } from "drizzle-orm";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, queryRows } from "#db/client.ts";
import { ensureLogPartitions } from "#db/partitions.ts";
import { withTestDatabase } from "#tests/support/database.ts";
import { logFiltersSchema } from "./request-log-filters.ts";
import { requestLogPage, requestLogQuery } from "./request-logs.ts";

const database = withTestDatabase();
const NOW = new Date("2026-11-28T12:00:00Z");
let client: pg.PoolClient;

beforeAll(async () => {
  // The 90-day range spans many daily partitions: each must be read in index order.
  // The partitions of the week ahead exist too, as the server's start and the manager keep them.
  await ensureLogPartitions(
    database.current.handle.db,
    new Date(NOW.getTime() - 90 * 86_400_000),
    new Date(NOW.getTime() + 7 * 86_400_000),
  );
  const pool = database.current.handle.pool;
  if (!pool) throw new Error("needs PostgreSQL");
  client = await pool.connect();
  await client.query("set enable_sort = off; set enable_seqscan = off; analyze haproxy_logs");
});
afterAll(() => {
  client?.release(true);
});

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Relation Name"?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

async function planOf(query: Record<string, string>) {
  const filters = logFiltersSchema.parse(query);
  const { query: statement } = requestLogQuery(database.current.handle.db, {
    customerId: 42,
    filters,
    service: "seal",
    keys: [],
    now: NOW,
  });
  const { sql, params } = statement.toSQL();
  const result = await client.query(`explain (format json) ${sql}`, params as unknown[]);
  const plan = (result.rows[0] as { "QUERY PLAN": { Plan: PlanNode }[] })["QUERY PLAN"][0]?.Plan;
  if (!plan) throw new Error("no plan");
  return nodes(plan);
}

describe("request-log query plans", () => {
  for (const [name, query, index] of [
    ["newest first", {}, "haproxy_logs_customer_ts_id_idx"],
    ["90 days, all services", { range: "90d", service: "all" }, "haproxy_logs_customer_ts_id_idx"],
    ["an older page", { before: `${NOW.getTime() - 3_600_000}.5` }, "haproxy_logs_customer_ts_id_idx"],
    ["a newer page", { after: `${NOW.getTime() - 3_600_000}.5` }, "haproxy_logs_customer_ts_id_idx"],
    ["5xx only", { status: "5xx" }, "haproxy_logs_customer_problems_idx"],
    ["rate limited only", { outcome: "ratelimited" }, "haproxy_logs_customer_problems_idx"],
  ] as const) {
    it(`reads ${name} in index order, without sorting`, async () => {
      const plan = await planOf(query);
      expect(plan.map((node) => node["Node Type"])).not.toContain("Sort");
      const used = plan.map((node) => node["Index Name"]).filter((name) => name !== undefined);
      expect(used.length).toBeGreaterThan(0);
      // Each partition scans its own copy of the partitioned index we expect.
      const { rows } = await client.query<{ relname: string }>(
        `select c.relname from pg_inherits i
           join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
          where p.relname = $1`,
        [index],
      );
      const copies = new Set(rows.map((row) => row.relname));
      expect(used.every((name) => copies.has(name))).toBe(true);
    });
  }

  it("leaves the empty partitions ahead of today out of the plan", async () => {
    const relations = (await planOf({}))
      .map((node) => node["Relation Name"])
      .filter((name) => name !== undefined);
    // The last 24 hours before NOW (Nov 28, 12:00 UTC), up to an hour ahead of it.
    expect(new Set(relations)).toEqual(new Set(["haproxy_logs_p20261127", "haproxy_logs_p20261128"]));
  });
});

describe("the page's statement", () => {
  it("is planned with its values every time: the server keeps no prepared statement for it", async () => {
    const handle = await openDatabase({ url: database.current.url, poolMax: 1 });
    try {
      for (const query of [{}, { status: "5xx" }, { outcome: "ratelimited", range: "7d" }]) {
        // More than the five executions after which PostgreSQL would try a generic plan.
        for (let run = 0; run < 7; run++) {
          const page = await requestLogPage(handle.db, {
            customerId: 42,
            filters: logFiltersSchema.parse(query),
            service: "seal",
            keys: [],
            now: NOW,
          });
          expect(page).toEqual({ rows: "[]", older: null, newer: null });
        }
      }
      const [row] = await queryRows<{ n: number }>(
        handle.db,
        sql`select count(*)::int as n from pg_prepared_statements`,
      );
      expect(row?.n).toBe(0);
    } finally {
      await handle.close();
    }
  });
});
