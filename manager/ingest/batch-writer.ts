// Writes parsed log lines into `haproxy_logs` with COPY, in one transaction with their
// `ingest_batches` row and (for files) the new read offset: a batch is all there or not at all, so
// no line is ever inserted twice after a crash, and the meter sees whole committed batches only.

import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { sql } from "drizzle-orm";
import { from as copyFrom } from "pg-copy-streams";
import type { LogRecord } from "#app/domain/log-format.ts";
import type { DatabaseHandle } from "#db/client.ts";
import { ensureLogPartitions, LOG_RETENTION_DAYS, utcDayStart } from "#db/partitions.ts";

const DAY_MS = 86_400_000;
const COLUMNS =
  "ts, region, server_id, service, customer_id, key_fp, client_ip, method, status, bytes_in, bytes_out, t_total_ms, t_backend_ms, outcome, repeat, batch_id";

export interface FileOffset {
  source: string;
  fileId: string;
  byteOffset: number;
}

export interface BatchInput {
  source: string;
  /** Parsed lines with their exact payload; identical payloads are stored once with a repeat count. */
  lines: { record: LogRecord; payload: string }[];
  offset?: FileOffset | undefined;
}

export interface BatchResult {
  batchId: number | null;
  rows: number;
  /** Lines stored (rows × repeat). */
  inserted: number;
  /** Lines whose time is outside [now − retention, now + 1 day]: not stored. */
  outOfRange: number;
}

function toCsv(rows: { record: LogRecord; repeat: number }[], batchId: number): string {
  let out = "";
  for (const { record: r, repeat } of rows) {
    // Every field was validated by the parser: none contains a comma, quote or newline.
    out += `${new Date(r.tsMs).toISOString()},${r.region},${r.serverId},${r.service},${r.customerId ?? ""},${r.keyFp ?? ""},${r.clientIp},${r.method},${r.status},${r.bytesIn},${r.bytesOut},${r.tTotalMs},${r.tBackendMs},${r.outcome},${repeat},${batchId}\n`;
  }
  return out;
}

export async function writeBatch(handle: DatabaseHandle, input: BatchInput, now: Date): Promise<BatchResult> {
  const earliest = utcDayStart(new Date(now.getTime() - LOG_RETENTION_DAYS * DAY_MS)).getTime();
  const latest = now.getTime() + DAY_MS;
  const grouped = new Map<string, { record: LogRecord; repeat: number }>();
  let outOfRange = 0;
  for (const line of input.lines) {
    if (line.record.tsMs < earliest || line.record.tsMs > latest) {
      outOfRange++;
      continue;
    }
    const existing = grouped.get(line.payload);
    if (existing) existing.repeat++;
    else grouped.set(line.payload, { record: line.record, repeat: 1 });
  }
  const rows = [...grouped.values()];
  const inserted = rows.reduce((sum, row) => sum + row.repeat, 0);
  let minTs = Number.POSITIVE_INFINITY;
  let maxTs = Number.NEGATIVE_INFINITY;
  for (const { record } of rows) {
    minTs = Math.min(minTs, record.tsMs);
    maxTs = Math.max(maxTs, record.tsMs);
  }
  if (rows.length > 0) {
    // Partitions are created outside the batch transaction: DDL racing between two writers would
    // otherwise abort one of them.
    await ensurePartitionsWithRetry(handle, new Date(minTs), new Date(maxTs));
  }

  const run = async (
    query: (text: string, params?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>,
    copy: (csv: string) => Promise<void>,
  ) => {
    let batchId: number | null = null;
    if (rows.length > 0) {
      const created = await query(
        "insert into ingest_batches (source, row_count, min_ts, max_ts, created_at) values ($1, $2, $3, $4, $5) returning id",
        [
          input.source,
          rows.length,
          new Date(minTs).toISOString(),
          new Date(maxTs).toISOString(),
          now.toISOString(),
        ],
      );
      batchId = Number(created.rows[0]?.id);
      await copy(toCsv(rows, batchId));
    }
    if (input.offset) {
      await query(
        `insert into ingest_offsets (source, file_id, byte_offset, updated_at) values ($1, $2, $3, $4)
         on conflict (source) do update set file_id = excluded.file_id, byte_offset = excluded.byte_offset,
           updated_at = excluded.updated_at`,
        [input.offset.source, input.offset.fileId, input.offset.byteOffset, now.toISOString()],
      );
    }
    return batchId;
  };

  let batchId: number | null;
  if (handle.pool) {
    const client = await handle.pool.connect();
    try {
      await client.query("begin");
      batchId = await run(
        (text, params) => client.query(text, params),
        async (csv) => {
          const stream = client.query(
            copyFrom(`copy haproxy_logs (${COLUMNS}) from stdin with (format csv)`),
          );
          await pipeline(Readable.from([csv]), stream);
        },
      );
      await client.query("commit");
      client.release();
    } catch (error) {
      await client.query("rollback").catch(() => {});
      client.release(true);
      throw error;
    }
  } else if (handle.pglite) {
    const pglite = handle.pglite;
    batchId = await pglite.transaction(async (tx) =>
      run(
        (text, params) => tx.query(text, params) as Promise<{ rows: Record<string, unknown>[] }>,
        async (csv) => {
          await tx.query(`copy haproxy_logs (${COLUMNS}) from '/dev/blob' with (format csv)`, [], {
            blob: new Blob([csv]),
          });
        },
      ),
    );
  } else {
    throw new Error("unsupported database handle");
  }
  return { batchId, rows: rows.length, inserted, outOfRange };
}

async function ensurePartitionsWithRetry(handle: DatabaseHandle, from: Date, to: Date) {
  for (let attempt = 0; ; attempt++) {
    try {
      await ensureLogPartitions(handle.db, from, to);
      return;
    } catch (error) {
      if (attempt >= 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)));
    }
  }
}

/** Ingested rows not yet folded into usage (for status output and tests). */
export async function unmeteredBatches(handle: DatabaseHandle): Promise<number> {
  const result = (await handle.db.execute(
    sql`select count(*)::int as n from ingest_batches where metered_at is null`,
  )) as unknown as {
    rows: { n: number }[];
  };
  return result.rows[0]?.n ?? 0;
}
