// A syslog (UDP) receiver for HAProxy's log lines. Lines are parsed on arrival and written in
// batches (every second, or sooner when many arrive). UDP itself can drop datagrams, and lines
// buffered in memory are lost if the process dies: prefer file ingestion where exactness matters.
import dgram from "node:dgram";
import { type LogRecord, parseLogLine } from "#app/domain/log-format.ts";
import type { Logger } from "#app/lib/logger.server.ts";
import type { DatabaseHandle } from "#db/client.ts";
import { writeBatch } from "./batch-writer.ts";
import { emptySummary, type IngestSummary } from "./line-source.ts";

export const DEFAULT_RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

export interface SyslogListener {
  port: number;
  /** Lines received so far, and what became of them. */
  stats(): IngestSummary;
  /** Write whatever is buffered now. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export async function startSyslogListener(options: {
  handle: DatabaseHandle;
  port: number;
  host?: string;
  logger: Logger;
  now: () => Date;
  flushIntervalMs?: number;
  maxBufferedLines?: number;
  /**
   * Kernel receive buffer to ask for. Datagrams that arrive while the buffer is full are dropped
   * by the kernel; each small datagram costs about 1 KB of it, so the default 208 KB holds only a
   * couple of hundred lines — a burst at the edge would lose lines. Capped by net.core.rmem_max.
   */
  receiveBufferBytes?: number;
}): Promise<SyslogListener> {
  const socket = dgram.createSocket({
    type: options.host?.includes(":") ? "udp6" : "udp4",
    recvBufferSize: options.receiveBufferBytes ?? DEFAULT_RECEIVE_BUFFER_BYTES,
  });
  const summary = emptySummary();
  let buffer: { record: LogRecord; payload: string }[] = [];
  let writing: Promise<void> = Promise.resolve();
  let malformedLogged = 0;
  const maxBuffered = options.maxBufferedLines ?? 10_000;

  const flush = () => {
    writing = writing.then(async () => {
      if (buffer.length === 0) return;
      const lines = buffer;
      buffer = [];
      try {
        const result = await writeBatch(options.handle, { source: "syslog", lines }, options.now());
        summary.inserted += result.inserted;
        summary.outOfRange += result.outOfRange;
      } catch (error) {
        options.logger.error(
          { err: error, lines: lines.length },
          "syslog batch could not be written; lines dropped",
        );
      }
    });
    return writing;
  };

  socket.on("message", (message) => {
    for (const line of message.toString("latin1").split("\n")) {
      if (line.length === 0) continue;
      summary.read++;
      const parsed = parseLogLine(line);
      if (parsed.ok) {
        buffer.push({ record: parsed.record, payload: parsed.payload });
      } else {
        summary.malformed++;
        if (malformedLogged++ < 20) {
          options.logger.warn(
            { reason: parsed.reason, sample: JSON.stringify(line.slice(0, 200)) },
            "malformed syslog line skipped",
          );
        }
      }
    }
    if (buffer.length >= maxBuffered) void flush();
  });
  socket.on("error", (error) => options.logger.error({ err: error }, "syslog listener error"));

  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(options.port, options.host ?? "127.0.0.1", () => {
      socket.off("error", reject);
      resolve();
    });
  });
  const timer = setInterval(() => void flush(), options.flushIntervalMs ?? 1_000);
  timer.unref();
  const port = socket.address().port;
  const receiveBuffer = socket.getRecvBufferSize();
  options.logger.info({ port, receiveBuffer }, "syslog listener started");
  if (receiveBuffer < (options.receiveBufferBytes ?? DEFAULT_RECEIVE_BUFFER_BYTES)) {
    options.logger.warn(
      { receiveBuffer, wanted: options.receiveBufferBytes ?? DEFAULT_RECEIVE_BUFFER_BYTES },
      "syslog receive buffer is smaller than asked (raise net.core.rmem_max): bursts may lose lines",
    );
  }

  return {
    port,
    stats: () => ({ ...summary }),
    flush,
    async close() {
      clearInterval(timer);
      await new Promise<void>((resolve) => socket.close(() => resolve()));
      await flush();
    },
  };
}
