// Reading HAProxy log lines from files (tailing, rotation-safe, resumable from committed offsets)
// and from streams (stdin), in batches handed to the batch writer.
import { open, stat } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { eq } from "drizzle-orm";
import { type LogRecord, parseLogLine } from "#app/domain/log-format.ts";
import type { Logger } from "#app/lib/logger.server.ts";
import type { DatabaseHandle } from "#db/client.ts";
import { ingestOffsets } from "#db/schema/index.ts";
import { writeBatch } from "./batch-writer.ts";

export interface IngestSummary {
  read: number;
  inserted: number;
  malformed: number;
  outOfRange: number;
}

export interface IngestOptions {
  now: () => Date;
  logger: Logger;
  maxBatchLines?: number;
  maxBatchBytes?: number;
  signal?: AbortSignal;
}

const MALFORMED_SAMPLES_PER_RUN = 5;

export function emptySummary(): IngestSummary {
  return { read: 0, inserted: 0, malformed: 0, outOfRange: 0 };
}

export function addSummary(total: IngestSummary, part: IngestSummary): IngestSummary {
  return {
    read: total.read + part.read,
    inserted: total.inserted + part.inserted,
    malformed: total.malformed + part.malformed,
    outOfRange: total.outOfRange + part.outOfRange,
  };
}

/** Parses lines, counting and sampling the malformed ones. */
class LineCollector {
  lines: { record: LogRecord; payload: string }[] = [];
  summary = emptySummary();
  private samples = 0;
  private readonly logger: Logger;
  private readonly source: string;
  constructor(logger: Logger, source: string) {
    this.logger = logger;
    this.source = source;
  }

  add(line: string) {
    if (line.length === 0) return;
    this.summary.read++;
    const parsed = parseLogLine(line);
    if (parsed.ok) {
      this.lines.push({ record: parsed.record, payload: parsed.payload });
      return;
    }
    this.summary.malformed++;
    if (this.samples++ < MALFORMED_SAMPLES_PER_RUN) {
      this.logger.warn(
        { source: this.source, reason: parsed.reason, sample: JSON.stringify(line.slice(0, 200)) },
        "malformed log line skipped",
      );
    }
  }

  take() {
    const lines = this.lines;
    this.lines = [];
    return lines;
  }
}

function fileSource(filePath: string): string {
  return `file:${path.resolve(filePath)}`;
}

async function fileIdentity(filePath: string): Promise<{ id: string; size: number } | null> {
  try {
    const info = await stat(filePath);
    return { id: `${info.dev}:${info.ino}`, size: info.size };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/**
 * Ingest a file from its committed offset to its last complete line. If the file was rotated
 * (renamed to `<file>.1` and recreated), the rest of the rotated file is read first; if it was
 * truncated in place, reading restarts at 0.
 */
export async function ingestFile(
  handle: DatabaseHandle,
  filePath: string,
  options: IngestOptions,
): Promise<IngestSummary> {
  const source = fileSource(filePath);
  const current = await fileIdentity(filePath);
  const [stored] = await handle.db.select().from(ingestOffsets).where(eq(ingestOffsets.source, source));
  let total = emptySummary();
  if (!current) return total;

  let startOffset = stored?.byteOffset ?? 0;
  if (stored?.fileId && stored.fileId !== current.id) {
    const rotated = await fileIdentity(`${filePath}.1`);
    if (rotated && rotated.id === stored.fileId && rotated.size > stored.byteOffset) {
      total = addSummary(
        total,
        await readRange(handle, `${filePath}.1`, source, stored.fileId, stored.byteOffset, options),
      );
    }
    startOffset = 0;
  } else if (stored && current.size < stored.byteOffset) {
    startOffset = 0; // truncated in place (copytruncate)
  }
  return addSummary(total, await readRange(handle, filePath, source, current.id, startOffset, options));
}

async function readRange(
  handle: DatabaseHandle,
  filePath: string,
  source: string,
  fileId: string,
  fromOffset: number,
  options: IngestOptions,
): Promise<IngestSummary> {
  const maxBytes = options.maxBatchBytes ?? 8 * 1024 * 1024;
  const collector = new LineCollector(options.logger, source);
  const file = await open(filePath, "r");
  const buffer = Buffer.alloc(maxBytes);
  let offset = fromOffset;
  let inserted = 0;
  let outOfRange = 0;
  try {
    while (!options.signal?.aborted) {
      const { bytesRead } = await file.read(buffer, 0, maxBytes, offset);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      const lastNewline = chunk.lastIndexOf(0x0a);
      let consumed: number;
      if (lastNewline < 0) {
        if (bytesRead < maxBytes) break; // a line still being written: wait for its newline
        // A "line" longer than a whole batch is garbage: skip it as one malformed line.
        collector.add("x".repeat(4096));
        consumed = bytesRead;
      } else {
        consumed = lastNewline + 1;
        const text = chunk.subarray(0, consumed).toString("latin1");
        for (const line of text.split("\n")) collector.add(line.endsWith("\r") ? line.slice(0, -1) : line);
      }
      offset += consumed;
      const result = await writeBatch(
        handle,
        { source, lines: collector.take(), offset: { source, fileId, byteOffset: offset } },
        options.now(),
      );
      inserted += result.inserted;
      outOfRange += result.outOfRange;
    }
  } finally {
    await file.close();
  }
  return { ...collector.summary, inserted, outOfRange };
}

/** Ingest a stream (stdin): no offsets to keep, batches of `maxBatchLines`. */
export async function ingestStream(
  handle: DatabaseHandle,
  input: NodeJS.ReadableStream,
  source: string,
  options: IngestOptions,
): Promise<IngestSummary> {
  const maxLines = options.maxBatchLines ?? 50_000;
  const collector = new LineCollector(options.logger, source);
  let inserted = 0;
  let outOfRange = 0;
  const flush = async () => {
    const lines = collector.take();
    if (lines.length === 0) return;
    const result = await writeBatch(handle, { source, lines }, options.now());
    inserted += result.inserted;
    outOfRange += result.outOfRange;
  };
  const reader = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of reader) {
    collector.add(line);
    if (collector.lines.length >= maxLines) await flush();
  }
  await flush();
  return { ...collector.summary, inserted, outOfRange };
}
