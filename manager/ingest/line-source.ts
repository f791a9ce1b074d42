// Reading HAProxy log lines from files (tailing, rotation-safe, resumable from committed offsets)
// and from streams (stdin), in batches handed to the batch writer.
import { open, stat } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { eq } from "drizzle-orm";
import type { Logger } from "#app/lib/logger.server.ts";
import type { DatabaseHandle } from "#db/client.ts";
import { ingestOffsets } from "#db/schema/index.ts";
import { IngestBatch } from "./batch-writer.ts";

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

/** Counts lines and samples the malformed ones into the log. */
class LineTally {
  summary = emptySummary();
  private samples = 0;
  private readonly logger: Logger;
  private readonly source: string;
  constructor(logger: Logger, source: string) {
    this.logger = logger;
    this.source = source;
  }

  malformed(line: string, reason: string) {
    this.summary.malformed++;
    if (this.samples++ < MALFORMED_SAMPLES_PER_RUN) {
      this.logger.warn(
        { source: this.source, reason, sample: JSON.stringify(line.slice(0, 200)) },
        "malformed log line skipped",
      );
    }
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
  const tally = new LineTally(options.logger, source);
  const file = await open(filePath, "r");
  const buffer = Buffer.alloc(maxBytes);
  let offset = fromOffset;
  try {
    while (!options.signal?.aborted) {
      const { bytesRead } = await file.read(buffer, 0, maxBytes, offset);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      const lastNewline = chunk.lastIndexOf(0x0a);
      if (lastNewline < 0 && bytesRead < maxBytes) break; // a line still being written: wait for its newline
      // One batch per chunk: its rows, its batch row and the new offset commit together.
      const batch = await IngestBatch.begin(handle, source, options.now());
      try {
        let consumed: number;
        if (lastNewline < 0) {
          // A "line" longer than a whole batch is garbage: skip it as one malformed line.
          tally.summary.read++;
          tally.malformed("(a line longer than the read buffer)", "line too long");
          consumed = bytesRead;
        } else {
          consumed = lastNewline + 1;
          let start = 0;
          while (start < consumed) {
            let end = chunk.indexOf(0x0a, start);
            if (end < 0) end = consumed;
            const lineEnd = end > start && chunk[end - 1] === 0x0d ? end - 1 : end;
            if (lineEnd > start) {
              tally.summary.read++;
              const line = chunk.toString("latin1", start, lineEnd);
              const refused = batch.addLine(line);
              if (refused) tally.malformed(line, refused);
              if (batch.pendingRows >= IngestBatch.chunkRows) await batch.drain();
            }
            start = end + 1;
          }
        }
        offset += consumed;
        const result = await batch.commit({ source, fileId, byteOffset: offset }, options.now());
        tally.summary.inserted += result.inserted;
        tally.summary.outOfRange += result.outOfRange;
      } catch (error) {
        await batch.abort();
        throw error;
      }
    }
  } finally {
    await file.close();
  }
  return tally.summary;
}

/** Ingest a stream (stdin): no offsets to keep, batches of `maxBatchLines`. */
export async function ingestStream(
  handle: DatabaseHandle,
  input: NodeJS.ReadableStream,
  source: string,
  options: IngestOptions,
): Promise<IngestSummary> {
  const maxLines = options.maxBatchLines ?? 50_000;
  const tally = new LineTally(options.logger, source);
  let batch: IngestBatch | undefined;
  let linesInBatch = 0;
  const commit = async () => {
    if (!batch) return;
    const result = await batch.commit(undefined, options.now());
    tally.summary.inserted += result.inserted;
    tally.summary.outOfRange += result.outOfRange;
    batch = undefined;
    linesInBatch = 0;
  };
  try {
    const reader = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of reader) {
      if (line.length === 0) continue;
      tally.summary.read++;
      batch ??= await IngestBatch.begin(handle, source, options.now());
      const refused = batch.addLine(line);
      if (refused) tally.malformed(line, refused);
      else linesInBatch++;
      if (batch.pendingRows >= IngestBatch.chunkRows) await batch.drain();
      if (linesInBatch >= maxLines) await commit();
    }
    await commit();
  } catch (error) {
    await batch?.abort();
    throw error;
  }
  return tally.summary;
}
