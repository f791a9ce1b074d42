// Seeds edge traffic for one customer of the running e2e server, through the same code the
// manager runs: HAProxy v1 log lines → an ingest batch (COPY) → the meter. Run by the Playwright
// tests as a child process (Node 24, the repo's subpath imports):
//   node tests/e2e/seed-traffic.ts <wallet address>
// Prints {"customerId","rows"}. The database is the one tests/e2e/serve.mjs created.
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { formatLogLine, type LogRecord } from "#app/domain/log-format.ts";
import { openDatabase, queryRows } from "#db/client.ts";
import { writeBatch } from "#manager/ingest/batch-writer.ts";
import { meterAll } from "#manager/tasks/meter.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const address = process.argv[2];
if (!address || !/^0x[0-9a-f]{64}$/.test(address)) {
  console.error("usage: node tests/e2e/seed-traffic.ts <wallet address>");
  process.exit(2);
}
const port = process.env.E2E_PORT ?? "3100";
const { databaseUrl } = JSON.parse(readFileSync(path.join(tmpdir(), `suiftly-e2e-${port}.json`), "utf8")) as {
  databaseUrl: string;
};

const database = await openDatabase({ url: databaseUrl, poolMax: 2 });
try {
  const [customer] = await queryRows<{ customer_id: number; fp: string }>(
    database.db,
    sql`select c.customer_id, left(k.key_hash, 16) as fp
          from customers c join api_keys k on k.customer_id = c.customer_id and k.revoked_at is null
         where c.wallet_address = ${address}
         order by k.id limit 1`,
  );
  if (!customer) throw new Error(`no customer with an API key for ${address}`);

  const now = Date.now();
  const records: LogRecord[] = [];
  let serial = 0;
  const add = (tsMs: number, status: number, outcome: LogRecord["outcome"], latencyMs: number) => {
    serial++;
    records.push({
      tsMs,
      region: serial % 3 === 0 ? "eu-west" : "us-east",
      serverId: "edge-1",
      service: "seal",
      customerId: Number(customer.customer_id),
      keyFp: customer.fp,
      clientIp: "203.0.113.9",
      method: "POST",
      status,
      bytesIn: 250 + (serial % 50),
      bytesOut: status === 200 ? 2_000 + (serial % 400) : 90,
      tTotalMs: latencyMs,
      tBackendMs: Math.max(0, latencyMs - 3),
      outcome,
    });
  };
  // 20 days of history (one request an hour), then the last hour: 70 successes, 75 server
  // errors (two pages of 50 when filtered to 5xx) and a few rate-limited requests.
  for (let at = now - 20 * DAY; at < now - HOUR; at += HOUR) add(at, 200, "ok", 30 + (serial % 40));
  for (let i = 0; i < 70; i++) add(now - 50 * 60_000 + i * 20_000, 200, "ok", 25 + (i % 30));
  for (let i = 0; i < 75; i++) add(now - 40 * 60_000 + i * 15_000, 503, "error", 900 + i);
  for (let i = 0; i < 4; i++) add(now - 10 * 60_000 + i * 1_000, 429, "ratelimited", 1);
  records.sort((a, b) => a.tsMs - b.tsMs);

  const result = await writeBatch(
    database,
    {
      source: `e2e-${customer.customer_id}`,
      lines: records.map((record) => ({ record, payload: formatLogLine(record) })),
    },
    new Date(),
  );
  await meterAll(database.db);
  console.log(JSON.stringify({ customerId: Number(customer.customer_id), rows: result.rows }));
} finally {
  await database.close();
}
