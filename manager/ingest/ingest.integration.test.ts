// Ingesting HAProxy log lines into PostgreSQL: resumable from committed offsets, rotation-safe,
// never inserting a malformed line, never inserting a line twice.
import { createSocket } from "node:dgram";
import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { formatLogLine, type LogRecord } from "#app/domain/log-format.ts";
import { createLogger } from "#app/lib/logger.server.ts";
import { queryRows } from "#db/client.ts";
import { withTestDatabase } from "#tests/support/database.ts";
import { IngestBatch, writeBatch } from "./batch-writer.ts";
import { ingestFile, ingestStream } from "./line-source.ts";
import { startSyslogListener } from "./syslog.ts";

const database = withTestDatabase();
const dir = mkdtempSync(path.join(tmpdir(), "suiftly-ingest-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const logger = createLogger({ level: "silent" });
const now = new Date();
const options = { now: () => now, logger };

let sequence = 0;
function record(overrides: Partial<LogRecord> = {}): LogRecord {
  sequence++;
  return {
    tsMs: now.getTime() - sequence * 7,
    region: "us-east",
    serverId: "edge-1",
    service: "seal",
    customerId: 4242,
    keyFp: "0123456789abcdef",
    clientIp: "203.0.113.9",
    method: "POST",
    status: 200,
    bytesIn: 100,
    bytesOut: 1000,
    tTotalMs: 12,
    tBackendMs: 10,
    outcome: "ok",
    ...overrides,
  };
}

const syslogLine = (r: LogRecord) => `<134>Nov 28 10:00:00 edge-1 haproxy[7]: ${formatLogLine(r)}\n`;

async function storedLines(source?: string): Promise<number> {
  const [row] = await queryRows<{ n: string }>(
    database.current.handle.db,
    source
      ? sql`select coalesce(sum(l.repeat), 0) as n from haproxy_logs l join ingest_batches b on b.id = l.batch_id where b.source = ${source}`
      : sql`select coalesce(sum(repeat), 0) as n from haproxy_logs`,
  );
  return Number(row?.n ?? 0);
}

describe("file ingestion", () => {
  it("ingests each complete line once, resuming from the committed offset", async () => {
    const file = path.join(dir, "resume.log");
    writeFileSync(file, Array.from({ length: 50 }, () => syslogLine(record())).join(""));
    const first = await ingestFile(database.current.handle, file, options);
    expect(first).toEqual({ read: 50, inserted: 50, malformed: 0, outOfRange: 0 });
    expect(await ingestFile(database.current.handle, file, options)).toEqual({
      read: 0,
      inserted: 0,
      malformed: 0,
      outOfRange: 0,
    });

    // A line still being written (no newline yet) waits for its end.
    const pending = syslogLine(record());
    appendFileSync(file, syslogLine(record()) + pending.slice(0, 40));
    expect((await ingestFile(database.current.handle, file, options)).inserted).toBe(1);
    appendFileSync(file, pending.slice(40));
    expect((await ingestFile(database.current.handle, file, options)).inserted).toBe(1);
    expect(await storedLines(`file:${file}`)).toBe(52);
  });

  it("finishes a rotated file before starting the new one, and restarts a truncated one", async () => {
    const file = path.join(dir, "rotate.log");
    writeFileSync(file, Array.from({ length: 10 }, () => syslogLine(record())).join(""));
    await ingestFile(database.current.handle, file, options);
    // More lines land in the old file, then logrotate renames it and a new file starts.
    appendFileSync(file, Array.from({ length: 5 }, () => syslogLine(record())).join(""));
    renameSync(file, `${file}.1`);
    writeFileSync(file, Array.from({ length: 3 }, () => syslogLine(record())).join(""));
    expect((await ingestFile(database.current.handle, file, options)).inserted).toBe(8);
    expect(await storedLines(`file:${file}`)).toBe(18);

    // copytruncate: the same file starts over from zero.
    truncateSync(file, 0);
    appendFileSync(file, Array.from({ length: 2 }, () => syslogLine(record())).join(""));
    expect((await ingestFile(database.current.handle, file, options)).inserted).toBe(2);
    expect(await storedLines(`file:${file}`)).toBe(20);
  });

  it("skips and counts malformed, truncated, binary, oversized and out-of-range lines", async () => {
    const file = path.join(dir, "bad.log");
    const good = Array.from({ length: 4 }, () => syslogLine(record()));
    const truncated = formatLogLine(record()).slice(0, 60);
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from(good[0] ?? ""),
        Buffer.from("this is not a log line\n"),
        Buffer.from(`${truncated}\n`),
        Buffer.from([0x73, 0x66, 0x79, 0x31, 0x20, 0x00, 0xff, 0xfe, 0x10, 0x0a]),
        Buffer.from(good[1] ?? ""),
        Buffer.from(`sfy1 ${"9".repeat(5000)}\n`),
        Buffer.from(syslogLine(record({ tsMs: now.getTime() - 200 * 86_400_000 }))),
        Buffer.from(good[2] ?? ""),
        Buffer.from(good[3] ?? ""),
      ]),
    );
    const before = await storedLines();
    const summary = await ingestFile(database.current.handle, file, options);
    expect(summary).toEqual({ read: 9, inserted: 4, malformed: 4, outOfRange: 1 });
    expect((await storedLines()) - before).toBe(4);
  });

  it("stores identical lines once with a repeat count", async () => {
    const same = record({ customerId: 777 });
    const file = path.join(dir, "repeat.log");
    writeFileSync(file, syslogLine(same).repeat(25));
    expect((await ingestFile(database.current.handle, file, options)).inserted).toBe(25);
    const rows = await queryRows<{ repeat: number }>(
      database.current.handle.db,
      sql`select repeat from haproxy_logs where customer_id = 777`,
    );
    expect(rows).toEqual([{ repeat: 25 }]);
  });

  it("ignores a file that does not exist yet", async () => {
    expect(await ingestFile(database.current.handle, path.join(dir, "missing.log"), options)).toEqual({
      read: 0,
      inserted: 0,
      malformed: 0,
      outOfRange: 0,
    });
  });
});

describe("log marks", () => {
  const marks = async (customerIds: number[]) =>
    Object.fromEntries(
      (
        await queryRows<{ customer_id: number; batch_id: string }>(
          database.current.handle.db,
          sql`select customer_id, batch_id from customer_log_marks
              where customer_id in (${sql.join(
                customerIds.map((id) => sql`${id}`),
                sql`, `,
              )})`,
        )
      ).map((row) => [row.customer_id, Number(row.batch_id)]),
    );
  const line = (r: LogRecord) => ({ record: r, payload: formatLogLine(r) });

  it("marks every customer of a committed batch with its id, in the batch's transaction", async () => {
    const first = await writeBatch(
      database.current.handle,
      { source: "marks", lines: [line(record({ customerId: 9001 })), line(record({ customerId: 9002 }))] },
      now,
    );
    expect(await marks([9001, 9002, 9003])).toEqual({ 9001: first.batchId, 9002: first.batchId });

    // The next batch moves only the marks of the customers in it; a line without a customer marks no one.
    const second = await writeBatch(
      database.current.handle,
      { source: "marks", lines: [line(record({ customerId: 9002 })), line(record({ customerId: null }))] },
      now,
    );
    expect(second.batchId).not.toBe(first.batchId);
    expect(await marks([9001, 9002])).toEqual({ 9001: first.batchId, 9002: second.batchId });

    // An aborted batch leaves no row and no mark.
    const aborted = await IngestBatch.begin(database.current.handle, "marks", now);
    aborted.add(record({ customerId: 9003 }), "aborted line");
    await aborted.drain();
    await aborted.abort();
    expect(await marks([9001, 9002, 9003])).toEqual({ 9001: first.batchId, 9002: second.batchId });
  });
});

describe("stream and syslog ingestion", () => {
  it("ingests a stream in batches", async () => {
    const lines = `${Array.from({ length: 30 }, () => syslogLine(record({ customerId: 555 }))).join("")}nope\n`;
    const summary = await ingestStream(database.current.handle, Readable.from([lines]), "stdin", {
      ...options,
      maxBatchLines: 7,
    });
    expect(summary).toEqual({ read: 31, inserted: 30, malformed: 1, outOfRange: 0 });
    const [batches] = await queryRows<{ n: number }>(
      database.current.handle.db,
      sql`select count(*)::int as n from ingest_batches where source = 'stdin'`,
    );
    expect(batches?.n).toBe(5);
  });

  it("receives lines over UDP syslog", async () => {
    const listener = await startSyslogListener({
      handle: database.current.handle,
      port: 0,
      logger,
      now: () => now,
      flushIntervalMs: 50,
    });
    const socket = createSocket("udp4");
    try {
      for (let i = 0; i < 20; i++) {
        await new Promise<void>((resolve, reject) =>
          socket.send(syslogLine(record({ customerId: 9090 })), listener.port, "127.0.0.1", (error) =>
            error ? reject(error) : resolve(),
          ),
        );
      }
      await new Promise<void>((resolve) =>
        socket.send("garbage", listener.port, "127.0.0.1", () => resolve()),
      );
      for (let i = 0; i < 50 && listener.stats().read < 21; i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      await listener.flush();
      expect(listener.stats()).toMatchObject({ read: 21, malformed: 1, inserted: 20 });
      expect(await storedLines("syslog")).toBe(20);
    } finally {
      socket.close();
      await listener.close();
    }
  });
});
