// React Router behind Express: the request adapter of @react-router/express, answering with a
// response whose length is known in one write.
//
// Pages are rendered whole (app/entry.server.tsx sets Content-Length), and loader data, JSON and
// plain bodies arrive as a single chunk: such a body is sent with `res.end(body)` and a
// Content-Length, and no web-stream plumbing runs per response. A whole text body of 1 kB or more
// is compressed here, at once (brotli, gzip or deflate, as the client accepts), and goes out in one
// write with its compressed length: the compression middleware leaves it alone (already encoded)
// and only compresses what really streams (static files, bodies that come in several chunks, e.g.
// deferred loader data, server-sent events), which are piped as they come, like before.
import { createReadableStreamFromReadable, writeReadableStreamToWritable } from "@react-router/node";
import type express from "express";
import {
  createRequestHandler as createRouterHandler,
  type RouterContextProvider,
  type ServerBuild,
} from "react-router";
import { compressBody, encodingFor, isCompressible } from "#app/lib/http-compression.server.ts";

export interface RequestHandlerOptions {
  build: ServerBuild;
  mode: "production" | "development";
  getLoadContext(req: express.Request, res: express.Response): RouterContextProvider;
}

export function createRequestHandler(options: RequestHandlerOptions): express.RequestHandler {
  const handleRequest = createRouterHandler(options.build, options.mode);
  return async (req, res, next) => {
    try {
      const request = toRequest(req, res);
      const response = await handleRequest(request, options.getLoadContext(req, res));
      await sendResponse(res, response);
    } catch (error) {
      next(error);
    }
  };
}

function toHeaders(requestHeaders: express.Request["headers"]): Headers {
  const headers = new Headers();
  for (const [key, values] of Object.entries(requestHeaders)) {
    if (!values) continue;
    if (Array.isArray(values)) for (const value of values) headers.append(key, value);
    else headers.set(key, values);
  }
  return headers;
}

/** The Fetch API request React Router sees (same URL, host and abort rules as @react-router/express). */
function toRequest(req: express.Request, res: express.Response): Request {
  const [, forwardedPort] = req.app?.enabled("trust proxy")
    ? (req.get("X-Forwarded-Host")?.split(":") ?? [])
    : [];
  const [, hostPort] = req.get("host")?.split(":") ?? [];
  const forwarded = Number.parseInt(forwardedPort ?? "", 10);
  const direct = Number.parseInt(hostPort ?? "", 10);
  const port = Number.isSafeInteger(forwarded) ? forwarded : Number.isSafeInteger(direct) ? direct : "";
  const host = `${req.hostname.split(/[\\/?#@]/)[0] || "localhost"}${port ? `:${port}` : ""}`;
  const url = new URL(`${req.protocol}://${host}${req.originalUrl}`);
  let controller: AbortController | null = new AbortController();
  const init: RequestInit & { duplex?: "half" } = {
    method: req.method,
    headers: toHeaders(req.headers),
    signal: controller.signal,
  };
  res.on("finish", () => {
    controller = null;
  });
  res.on("close", () => controller?.abort());
  if (req.method !== "GET" && req.method !== "HEAD") {
    init.body = createReadableStreamFromReadable(req);
    init.duplex = "half";
    res.once("finish", () => discardUnreadBody(req));
  }
  return new Request(url.href, init);
}

/** How much of a body nobody read is drained to keep the connection; past it, the connection closes. */
const MAX_DISCARDED_BODY_BYTES = 8 * 1024 * 1024;

/**
 * After a response sent before its request's body was read (a 413 for a body too large, a 403
 * for a foreign origin): the stream adapter paused the request when nobody pulled, so the rest of
 * the body would sit in the keep-alive connection and stall the next request on it. Node drains a
 * body nobody listens to; this does the same for one the adapter listened to, up to a bound.
 */
function discardUnreadBody(req: express.Request): void {
  if (req.complete || req.destroyed) return;
  req.removeAllListeners("data");
  let discarded = 0;
  req.on("data", (chunk: Buffer) => {
    discarded += chunk.byteLength;
    if (discarded > MAX_DISCARDED_BODY_BYTES) req.socket.destroy();
  });
  req.resume();
}

function isClosed(res: express.Response): boolean {
  return res.destroyed || res.writableEnded;
}

export async function sendResponse(res: express.Response, response: Response): Promise<void> {
  if (isClosed(res)) {
    await response.body?.cancel();
    return;
  }
  res.statusMessage = response.statusText;
  res.status(response.status);
  // Set, not appended: a page's own Content-Security-Policy replaces the default one the security
  // middleware set (two policies would both apply). Only Set-Cookie comes as several headers.
  for (const [key, value] of response.headers.entries()) {
    if (key === "set-cookie") res.append(key, value);
    else res.setHeader(key, value);
  }
  if (!response.body) {
    res.end();
    return;
  }
  if (response.headers.get("Content-Type")?.match(/text\/event-stream/i)) {
    res.flushHeaders();
    await writeReadableStreamToWritable(response.body, res);
    return;
  }
  // Read what the body has ready: a rendered page, JSON or text is one chunk that ends at once, and
  // goes out in one write with its length. A body that keeps streaming is passed on as it comes.
  const reader = response.body.getReader();
  const declared = response.headers.get("Content-Length");
  const head: Uint8Array[] = [];
  let buffered = 0;
  let pending = reader.read();
  let ended = false;
  try {
    for (;;) {
      // With a declared length, read to the end; otherwise wait for more only within this turn.
      const result =
        declared !== null || head.length === 0 ? await pending : await Promise.race([pending, nextTurn()]);
      if (result === STILL_STREAMING) break;
      if (result.done) {
        ended = true;
        break;
      }
      head.push(result.value);
      buffered += result.value.byteLength;
      pending = reader.read();
      if (buffered > MAX_BUFFERED_BYTES) break;
    }
  } catch (error) {
    if (isClosed(res)) {
      reader.cancel().catch(() => {});
      return;
    }
    throw error;
  }
  if (ended) {
    const only = head.length === 1 ? (head[0] as Uint8Array) : undefined;
    const body = only ? Buffer.from(only.buffer, only.byteOffset, only.byteLength) : Buffer.concat(head);
    const encoded = compressWhole(res, body);
    res.setHeader("Content-Length", encoded.byteLength);
    res.end(encoded);
    return;
  }
  try {
    // The chunks already read, then the rest of the body; cancelling this cancels the body.
    let next: Promise<ReadableStreamReadResult<Uint8Array>> | undefined = pending;
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const chunk = head.shift();
        if (chunk) {
          controller.enqueue(chunk);
          return;
        }
        const result = await (next ?? reader.read());
        next = undefined;
        if (result.done) controller.close();
        else controller.enqueue(result.value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    });
    await writeReadableStreamToWritable(stream, res);
  } catch (error) {
    if (isClosed(res)) return;
    throw error;
  }
}

/** The body compressed for this request (headers set), or the body itself. */
function compressWhole(res: express.Response, body: Buffer): Buffer {
  if (!isCompressible(res.getHeader("Content-Type") as string | undefined)) return body;
  res.vary("Accept-Encoding");
  if (res.getHeader("Content-Encoding")) return body;
  if (/(?:^|,)\s*no-transform\s*(?:,|$)/i.test(String(res.getHeader("Cache-Control") ?? ""))) return body;
  const encoding = encodingFor(res.req.headers["accept-encoding"], body.byteLength);
  if (!encoding) return body;
  res.setHeader("Content-Encoding", encoding);
  return compressBody(body, encoding);
}

const STILL_STREAMING = Symbol("still streaming");
/** Larger bodies are streamed even when their length is known. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

function nextTurn(): Promise<typeof STILL_STREAMING> {
  return new Promise((resolve) => setImmediate(resolve, STILL_STREAMING));
}
