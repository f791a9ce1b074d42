// Metering folds ingested rows into hourly rollups exactly once: the rollups equal a count made
// directly from the lines, whatever runs concurrently and however often metering runs.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isBillable, type LogRecord } from "#app/domain/log-format.ts";
import { LATENCY_BUCKETS, latencyBucket, percentileMs } from "#app/domain/usage.ts";
import { type DatabaseHandle, openDatabase, queryRows } from "#db/client.ts";
import { withTestDatabase } from "#tests/support/database.ts";
import { writeBatch } from "../ingest/batch-writer.ts";
import { meterAll } from "./meter.ts";

const database = withTestDatabase();
const hourMs = 3_600_000;
const now = new Date(Math.floor(Date.now() / hourMs) * hourMs + 30 * 60_000); // mid-hour

const OUTCOMES: LogRecord["outcome"][] = [
  "ok",
  "ok",
  "ok",
  "ok",
  "denied",
  "ratelimited",
  "ipblocked",
  "unauthorized",
  "error",
];
const STATUSES = [200, 204, 301, 404, 429, 500, 503];

let counter = 0;
/** Deterministic, varied records: several customers, services, hours, outcomes and latencies. */
function records(count: number, options: { customers?: number[] } = {}): LogRecord[] {
  const customers = options.customers ?? [11, 12, 13];
  return Array.from({ length: count }, () => {
    counter++;
    return {
      tsMs: now.getTime() - (counter % 180) * 60_000 - (counter % 997),
      region: ["us-east", "us-west", "eu-frankfurt"][counter % 3] ?? "us-east",
      serverId: `edge-${counter % 4}`,
      service: counter % 5 === 0 ? "grpc" : "seal",
      customerId: counter % 17 === 0 ? null : (customers[counter % customers.length] ?? 11),
      keyFp: counter % 17 === 0 ? null : "0123456789abcdef",
      clientIp: `198.51.100.${counter % 250}`,
      method: "POST",
      status: STATUSES[counter % STATUSES.length] ?? 200,
      bytesIn: 100 + (counter % 50),
      bytesOut: 1_000 + (counter % 400),
      tTotalMs: (counter * 37) % 12_000,
      tBackendMs: (counter * 29) % 11_000,
      outcome: OUTCOMES[counter % OUTCOMES.length] ?? "ok",
    };
  });
}

interface Expected {
  requests: number;
  billable: number;
  clientErrors: number;
  serverErrors: number;
  denied: number;
  rateLimited: number;
  ipBlocked: number;
  unauthorized: number;
  bytesIn: number;
  bytesOut: number;
  latencySumMs: number;
  histogram: number[];
}

function expectedRollups(all: LogRecord[]): Map<string, Expected> {
  const rollups = new Map<string, Expected>();
  for (const r of all) {
    if (r.customerId === null) continue;
    const hour = new Date(Math.floor(r.tsMs / hourMs) * hourMs).toISOString();
    const key = `${r.customerId}|${r.service}|${hour}`;
    let entry = rollups.get(key);
    if (!entry) {
      entry = {
        requests: 0,
        billable: 0,
        clientErrors: 0,
        serverErrors: 0,
        denied: 0,
        rateLimited: 0,
        ipBlocked: 0,
        unauthorized: 0,
        bytesIn: 0,
        bytesOut: 0,
        latencySumMs: 0,
        histogram: Array(LATENCY_BUCKETS).fill(0),
      };
      rollups.set(key, entry);
    }
    const responded = r.outcome === "ok" || r.outcome === "error";
    entry.requests++;
    if (isBillable(r)) entry.billable++;
    if (responded && r.status >= 400 && r.status < 500) entry.clientErrors++;
    if (responded && (r.status >= 500 || r.status < 100)) entry.serverErrors++;
    if (r.outcome === "denied") entry.denied++;
    if (r.outcome === "ratelimited") entry.rateLimited++;
    if (r.outcome === "ipblocked") entry.ipBlocked++;
    if (r.outcome === "unauthorized") entry.unauthorized++;
    entry.bytesIn += r.bytesIn;
    entry.bytesOut += r.bytesOut;
    entry.latencySumMs += Math.max(0, r.tTotalMs);
    const bucket = latencyBucket(Math.max(0, r.tTotalMs));
    entry.histogram[bucket] = (entry.histogram[bucket] ?? 0) + 1;
  }
  return rollups;
}

async function actualRollups(db: DatabaseHandle["db"]): Promise<Map<string, Expected>> {
  const rows = await queryRows<Record<string, unknown>>(db, sql`select * from usage_hourly`);
  return new Map(
    rows.map((row) => [
      `${row.customer_id}|${row.service}|${new Date(String(row.hour)).toISOString()}`,
      {
        requests: Number(row.requests),
        billable: Number(row.billable),
        clientErrors: Number(row.client_errors),
        serverErrors: Number(row.server_errors),
        denied: Number(row.denied),
        rateLimited: Number(row.rate_limited),
        ipBlocked: Number(row.ip_blocked),
        unauthorized: Number(row.unauthorized),
        bytesIn: Number(row.bytes_in),
        bytesOut: Number(row.bytes_out),
        latencySumMs: Number(row.latency_sum_ms),
        histogram: (row.latency_histogram as (string | number)[]).map(Number),
      },
    ]),
  );
}

const asLines = (all: LogRecord[]) => all.map((record) => ({ record, payload: JSON.stringify(record) }));

describe("metering", () => {
  const everything: LogRecord[] = [];
  let others: DatabaseHandle[] = [];
  beforeAll(async () => {
    others = await Promise.all(
      Array.from({ length: 3 }, () => openDatabase({ url: database.current.url, poolMax: 3 })),
    );
  });
  afterAll(async () => {
    await Promise.all(others.map((handle) => handle.close()));
  });

  it("counts every outcome, byte and latency bucket of every row, per customer, service and hour", async () => {
    const batch = records(2_000);
    everything.push(...batch);
    await writeBatch(database.current.handle, { source: "test", lines: asLines(batch) }, now);
    const result = await meterAll(database.current.handle.db);
    expect(result.batches).toBe(1);
    expect(await actualRollups(database.current.handle.db)).toEqual(expectedRollups(everything));
  });

  it("is exactly once while ingestion and other meters run concurrently", async () => {
    const writers = others.map(async (handle, writer) => {
      for (let i = 0; i < 8; i++) {
        const batch = records(300 + writer * 17 + i);
        everything.push(...batch);
        await writeBatch(handle, { source: `writer-${writer}`, lines: asLines(batch) }, now);
      }
    });
    let writing = true;
    const meters = [database.current.handle, ...others.slice(0, 2)].map(async (handle) => {
      while (writing) {
        await meterAll(handle.db);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    });
    await Promise.all(writers);
    writing = false;
    await Promise.all(meters);
    await meterAll(database.current.handle.db);
    expect(await actualRollups(database.current.handle.db)).toEqual(expectedRollups(everything));
    const [unmetered] = await queryRows<{ n: number }>(
      database.current.handle.db,
      sql`select count(*)::int as n from ingest_batches where metered_at is null`,
    );
    expect(unmetered?.n).toBe(0);
  });

  it("puts late rows in their own hour, and changes nothing when run again", async () => {
    // Lines from a day ago arrive now (a backlog from a lagging edge).
    const late = records(200, { customers: [99] }).map((r) => ({ ...r, tsMs: r.tsMs - 26 * hourMs }));
    everything.push(...late);
    await writeBatch(database.current.handle, { source: "late", lines: asLines(late) }, now);
    await meterAll(database.current.handle.db);
    const after = await actualRollups(database.current.handle.db);
    expect(after).toEqual(expectedRollups(everything));
    const lateHour = new Date(Math.floor((now.getTime() - 26 * hourMs) / hourMs) * hourMs).toISOString();
    expect([...after.keys()].some((key) => key.startsWith("99|") && key.endsWith(lateHour))).toBe(true);
    expect(await meterAll(database.current.handle.db)).toEqual({ batches: 0, hourRows: 0 });
    expect(await actualRollups(database.current.handle.db)).toEqual(after);
  });

  it("yields latency percentiles from the histogram", async () => {
    const [row] = await queryRows<{ latency_histogram: string[] }>(
      database.current.handle.db,
      sql`select latency_histogram from usage_hourly order by requests desc limit 1`,
    );
    const histogram = (row?.latency_histogram ?? []).map(Number);
    const p50 = percentileMs(histogram, 0.5) ?? 0;
    const p99 = percentileMs(histogram, 0.99) ?? 0;
    expect(p50).toBeGreaterThan(0);
    expect(p99).toBeGreaterThanOrEqual(p50);
  });
});
