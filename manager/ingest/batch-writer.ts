// Writes parsed log lines into `haproxy_logs` with COPY, in one transaction with their
// `ingest_batches` row and (for files) the new read offset: a batch is all there or not at all, so
// no line is ever inserted twice after a crash, and the meter sees whole committed batches only.
// The same transaction marks the batch on every customer it holds rows of (`customer_log_marks`),
// so the Logs tab knows when a customer's logs have changed.
//
// On PostgreSQL the COPY streams while lines are still being parsed, so parsing (this process) and
// loading (the server) overlap on different cores. Identical consecutive lines (the same request
// logged twice in a burst) are stored once with a repeat count.
import { once } from "node:events";
import { sql } from "drizzle-orm";
import type { PoolClient } from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { type LogRecord, parseLogLine } from "#app/domain/log-format.ts";
import { type DatabaseHandle, queryRows } from "#db/client.ts";
import { ensureLogPartitions, LOG_RETENTION_DAYS, utcDayStart } from "#db/partitions.ts";

const DAY_MS = 86_400_000;
const COPY_SQL =
  "copy haproxy_logs (ts, region, server_id, service, customer_id, key_fp, client_ip, method, status, bytes_in, bytes_out, t_total_ms, t_backend_ms, outcome, repeat, batch_id) from stdin with (format csv)";
/** Rows sent to the server per write: large enough to amortize, small enough to overlap. */
const ROWS_PER_CHUNK = 2_000;

export interface FileOffset {
  source: string;
  fileId: string;
  byteOffset: number;
}

export interface BatchResult {
  batchId: number | null;
  rows: number;
  /** Lines stored (rows × repeat). */
  inserted: number;
  /** Lines whose time is outside [now − retention, now + 1 day]: not stored. */
  outOfRange: number;
}

/** ISO timestamps cost an allocation each; lines of one second share all but the milliseconds. */
class TimestampFormatter {
  private second = -1;
  private prefix = "";
  format(ms: number): string {
    const second = Math.floor(ms / 1000);
    if (second !== this.second) {
      this.second = second;
      this.prefix = new Date(second * 1000).toISOString().slice(0, 19);
    }
    return `${this.prefix}.${String(ms - second * 1000).padStart(3, "0")}Z`;
  }
}

const partitionsReady = new Map<string, number>();

/** Every day partition a line may land in exists before a batch starts (once per day per process). */
async function ensureIngestPartitions(handle: DatabaseHandle, now: Date) {
  const day = utcDayStart(now).getTime();
  if (partitionsReady.get(handle.describe) === day) return;
  for (let attempt = 0; ; attempt++) {
    try {
      await ensureLogPartitions(
        handle.db,
        new Date(day - LOG_RETENTION_DAYS * DAY_MS),
        new Date(day + DAY_MS),
      );
      break;
    } catch (error) {
      // Two writers creating the same partition at once: the loser retries and finds it.
      if (attempt >= 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)));
    }
  }
  partitionsReady.set(handle.describe, day);
}

/**
 * One ingest batch: `add` lines (parsed or raw), then `commit` — or `abort`, and nothing of it
 * exists. Not reusable.
 */
export class IngestBatch {
  readonly batchId: number;
  private readonly handle: DatabaseHandle;
  private readonly source: string;
  private readonly earliest: number;
  private readonly latest: number;
  private readonly timestamps = new TimestampFormatter();
  private client: PoolClient | undefined;
  private stream: NodeJS.WritableStream | undefined;
  private streamError: Error | undefined;
  private chunk: string[] = [];
  /** The previous line, held back in case the next one repeats it. */
  private heldPayload: string | undefined;
  private heldRecord: LogRecord | undefined;
  private heldRepeat = 0;
  private pglitePieces: string[] = [];
  private rows = 0;
  private inserted = 0;
  private outOfRange = 0;
  private minTs = Number.POSITIVE_INFINITY;
  private maxTs = Number.NEGATIVE_INFINITY;
  /** The customers this batch holds rows of. */
  private readonly customers = new Set<number>();

  private constructor(handle: DatabaseHandle, source: string, batchId: number, now: Date) {
    this.handle = handle;
    this.source = source;
    this.batchId = batchId;
    this.earliest = utcDayStart(new Date(now.getTime() - LOG_RETENTION_DAYS * DAY_MS)).getTime();
    this.latest = now.getTime() + DAY_MS;
  }

  static async begin(handle: DatabaseHandle, source: string, now: Date): Promise<IngestBatch> {
    await ensureIngestPartitions(handle, now);
    // The id is drawn first (gaps are harmless) so rows can carry it while they stream.
    const [row] = await queryRows<{ id: string }>(
      handle.db,
      sql`select nextval(pg_get_serial_sequence('ingest_batches', 'id')) as id`,
    );
    const batch = new IngestBatch(handle, source, Number(row?.id), now);
    if (handle.pool) {
      const client = await handle.pool.connect();
      batch.client = client;
      try {
        await client.query("begin");
        const stream = client.query(copyFrom(COPY_SQL));
        stream.on("error", (error: Error) => {
          batch.streamError = error;
        });
        batch.stream = stream;
      } catch (error) {
        client.release(true);
        throw error;
      }
    }
    return batch;
  }

  /** A parsed line (`payload` is its exact text, used to spot repeats). */
  add(record: LogRecord, payload: string): "ok" | "outOfRange" {
    if (record.tsMs < this.earliest || record.tsMs > this.latest) {
      this.outOfRange++;
      return "outOfRange";
    }
    this.inserted++;
    if (payload === this.heldPayload) {
      this.heldRepeat++;
      return "ok";
    }
    this.release();
    this.heldPayload = payload;
    this.heldRecord = record;
    this.heldRepeat = 1;
    return "ok";
  }

  /** Parse and add a raw line; returns why it was refused, or null. */
  addLine(line: string): string | null {
    const parsed = parseLogLine(line);
    if (!parsed.ok) return parsed.reason;
    this.add(parsed.record, parsed.payload);
    return null;
  }

  /** Hand queued rows to the server; waits only when its buffer is full. */
  async drain(): Promise<void> {
    if (this.chunk.length === 0) return;
    const text = this.chunk.join("");
    this.chunk = [];
    if (this.streamError) throw this.streamError;
    if (this.stream) {
      if (!this.stream.write(text)) await once(this.stream, "drain");
    } else {
      this.pglitePieces.push(text);
    }
  }

  get pendingRows(): number {
    return this.chunk.length;
  }

  private release() {
    const r = this.heldRecord;
    if (!r) return;
    this.chunk.push(
      `${this.timestamps.format(r.tsMs)},${r.region},${r.serverId},${r.service},${r.customerId ?? ""},${r.keyFp ?? ""},${r.clientIp},${r.method},${r.status},${r.bytesIn},${r.bytesOut},${r.tTotalMs},${r.tBackendMs},${r.outcome},${this.heldRepeat},${this.batchId}\n`,
    );
    this.rows++;
    if (r.customerId !== null) this.customers.add(r.customerId);
    if (r.tsMs < this.minTs) this.minTs = r.tsMs;
    if (r.tsMs > this.maxTs) this.maxTs = r.tsMs;
    this.heldRecord = undefined;
    this.heldPayload = undefined;
  }

  /** Rows queued beyond this many are sent before more lines are parsed. */
  static readonly chunkRows = ROWS_PER_CHUNK;

  async commit(offset?: FileOffset, now: Date = new Date()): Promise<BatchResult> {
    this.release();
    await this.drain();
    const batchRow = (query: (text: string, params: unknown[]) => Promise<unknown>) =>
      this.rows === 0
        ? Promise.resolve()
        : query(
            "insert into ingest_batches (id, source, row_count, min_ts, max_ts, created_at) overriding system value values ($1, $2, $3, $4, $5, $6)",
            [
              this.batchId,
              this.source,
              this.rows,
              new Date(this.minTs).toISOString(),
              new Date(this.maxTs).toISOString(),
              now.toISOString(),
            ],
          );
    // This batch's id, not the greatest one: whatever order concurrent batches commit in, each
    // commit leaves a value no earlier state of the customer's logs had. Ids in ascending order, so
    // concurrent batches lock the rows of the customers they share in the same order (no deadlock).
    const markRows = (query: (text: string, params: unknown[]) => Promise<unknown>) =>
      this.customers.size === 0
        ? Promise.resolve()
        : query(
            `insert into customer_log_marks (customer_id, batch_id)
             select customer_id, $2 from unnest($1::int[]) as customer_id
             on conflict (customer_id) do update set batch_id = excluded.batch_id`,
            [[...this.customers].sort((a, b) => a - b), this.batchId],
          );
    const offsetRow = (query: (text: string, params: unknown[]) => Promise<unknown>) =>
      offset
        ? query(
            `insert into ingest_offsets (source, file_id, byte_offset, updated_at) values ($1, $2, $3, $4)
             on conflict (source) do update set file_id = excluded.file_id, byte_offset = excluded.byte_offset,
               updated_at = excluded.updated_at`,
            [offset.source, offset.fileId, offset.byteOffset, now.toISOString()],
          )
        : Promise.resolve();

    if (this.client && this.stream) {
      const client = this.client;
      try {
        const finished = once(this.stream, "finish");
        this.stream.end();
        await finished;
        if (this.streamError) throw this.streamError;
        await batchRow((text, params) => client.query(text, params));
        await markRows((text, params) => client.query(text, params));
        await offsetRow((text, params) => client.query(text, params));
        await client.query("commit");
        client.release();
      } catch (error) {
        await client.query("rollback").catch(() => {});
        client.release(true);
        throw error;
      } finally {
        this.client = undefined;
      }
    } else if (this.handle.pglite) {
      const csv = this.pglitePieces.join("");
      await this.handle.pglite.transaction(async (tx) => {
        if (this.rows > 0) {
          await tx.query(COPY_SQL.replace("from stdin", "from '/dev/blob'"), [], { blob: new Blob([csv]) });
        }
        await batchRow((text, params) => tx.query(text, params));
        await markRows((text, params) => tx.query(text, params));
        await offsetRow((text, params) => tx.query(text, params));
      });
    } else {
      throw new Error("unsupported database handle");
    }
    return {
      batchId: this.rows > 0 ? this.batchId : null,
      rows: this.rows,
      inserted: this.inserted,
      outOfRange: this.outOfRange,
    };
  }

  async abort(): Promise<void> {
    if (!this.client) return;
    const client = this.client;
    this.client = undefined;
    this.stream?.end();
    await client.query("rollback").catch(() => {});
    client.release(true);
  }
}

/** Write already-parsed lines as one batch (syslog, streams, tests). */
export async function writeBatch(
  handle: DatabaseHandle,
  input: { source: string; lines: { record: LogRecord; payload: string }[]; offset?: FileOffset | undefined },
  now: Date,
): Promise<BatchResult> {
  const batch = await IngestBatch.begin(handle, input.source, now);
  try {
    for (const line of input.lines) {
      batch.add(line.record, line.payload);
      if (batch.pendingRows >= IngestBatch.chunkRows) await batch.drain();
    }
    return await batch.commit(input.offset, now);
  } catch (error) {
    await batch.abort();
    throw error;
  }
}
