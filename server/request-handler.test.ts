// How responses leave the server: one write with a length when the body is ready at once, a
// stream passed on as it comes otherwise.
import { get } from "node:http";
import type { AddressInfo } from "node:net";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import compression from "compression";
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import { acceptedEncoding } from "#app/lib/http-compression.server.ts";
import { sendResponse } from "./request-handler.ts";

const servers: { close(): void }[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function serve(respond: () => Response): Promise<string> {
  const app = express();
  // As in server/http.ts: the compression middleware sits in front of the handler.
  app.use(compression());
  app.get("/", (_req, res, next) => {
    sendResponse(res, respond()).catch(next);
  });
  const server = app.listen(0, "127.0.0.1");
  servers.push(server);
  await new Promise((resolve) => server.once("listening", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

const encoder = new TextEncoder();

describe("sendResponse", () => {
  it("sends a body that is ready at once with its length", async () => {
    const url = await serve(() => Response.json({ status: "ok" }, { headers: { "X-Test": "1" } }));
    const response = await fetch(url);
    expect(response.headers.get("content-length")).toBe(String('{"status":"ok"}'.length));
    expect(response.headers.get("x-test")).toBe("1");
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("reads a body of declared length to its end, whatever its chunks", async () => {
    const url = await serve(() => {
      const stream = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(encoder.encode("hello "));
          await new Promise((resolve) => setTimeout(resolve, 20));
          controller.enqueue(encoder.encode("world"));
          controller.close();
        },
      });
      return new Response(stream, { headers: { "Content-Length": "11" } });
    });
    const response = await fetch(url);
    expect(response.headers.get("content-length")).toBe("11");
    expect(await response.text()).toBe("hello world");
  });

  it("passes a streaming body on as it comes, and stops it when the client goes away", async () => {
    let release: () => void = () => {};
    let cancelled = false;
    const url = await serve(() => {
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const stream = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(encoder.encode("first;"));
          await gate;
          controller.enqueue(encoder.encode("second;"));
          controller.close();
        },
        cancel() {
          cancelled = true;
        },
      });
      return new Response(stream);
    });
    const response = await fetch(url);
    expect(response.headers.get("content-length")).toBeNull();
    const reader = response.body?.getReader();
    if (!reader) throw new Error("no body");
    // The first chunk arrives while the second does not exist yet.
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("first;");
    release();
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toBe("second;");

    const endless = await serve(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(encoder.encode("tick;"));
            },
            cancel() {
              cancelled = true;
            },
          }),
        ),
    );
    const controller = new AbortController();
    const abandoned = await fetch(endless, { signal: controller.signal });
    await abandoned.body?.getReader().read();
    controller.abort();
    await expect.poll(() => cancelled, { timeout: 2_000 }).toBe(true);
  });

  it("sends a response without a body", async () => {
    const url = await serve(() => new Response(null, { status: 204 }));
    const response = await fetch(url);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
  });

  describe("compression of a whole body", () => {
    const page = `<!DOCTYPE html><html><body>${'<p class="text-sm">Hello, world</p>'.repeat(200)}</body></html>`;
    const html = () => new Response(page, { headers: { "Content-Type": "text/html; charset=utf-8" } });

    /** The raw response (fetch would decode it), with the request's Accept-Encoding. */
    function raw(url: string, acceptEncoding?: string) {
      return new Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }>(
        (resolve, reject) => {
          const headers = acceptEncoding === undefined ? {} : { "accept-encoding": acceptEncoding };
          get(url, { headers }, (response) => {
            const chunks: Buffer[] = [];
            response.on("data", (chunk: Buffer) => chunks.push(chunk));
            response.on("end", () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }));
            response.on("error", reject);
          }).on("error", reject);
        },
      );
    }

    it("sends brotli when accepted, with the compressed length, in one piece", async () => {
      const url = await serve(html);
      const { headers, body } = await raw(url, "gzip, deflate, br");
      expect(headers["content-encoding"]).toBe("br");
      expect(headers["content-length"]).toBe(String(body.byteLength));
      expect(headers["transfer-encoding"]).toBeUndefined();
      expect(headers.vary).toMatch(/accept-encoding/i);
      expect(body.byteLength).toBeLessThan(page.length / 5);
      expect(brotliDecompressSync(body).toString()).toBe(page);
    });

    it("sends gzip (or deflate) to a client that does not take brotli, nothing to one that takes none", async () => {
      const url = await serve(html);
      const gzip = await raw(url, "gzip;q=0.8, br;q=0");
      expect(gzip.headers["content-encoding"]).toBe("gzip");
      expect(gzip.headers["content-length"]).toBe(String(gzip.body.byteLength));
      expect(gunzipSync(gzip.body).toString()).toBe(page);
      const deflate = await raw(url, "deflate");
      expect(deflate.headers["content-encoding"]).toBe("deflate");
      expect(inflateSync(deflate.body).toString()).toBe(page);
      for (const header of [undefined, "identity", "*;q=0"]) {
        const plain = await raw(url, header);
        expect(plain.headers["content-encoding"]).toBeUndefined();
        expect(plain.body.toString()).toBe(page);
        expect(plain.headers["content-length"]).toBe(String(page.length));
      }
    });

    it("leaves small bodies, binary types and encoded bodies as they are", async () => {
      const small = await raw(await serve(() => Response.json({ status: "ok" })), "br");
      expect(small.headers["content-encoding"]).toBeUndefined();
      expect(small.body.toString()).toBe('{"status":"ok"}');
      const image = await raw(
        await serve(() => new Response(page, { headers: { "Content-Type": "image/png" } })),
        "br",
      );
      expect(image.headers["content-encoding"]).toBeUndefined();
      expect(image.body.byteLength).toBe(page.length);
      const encoded = Buffer.from("already gzipped, honestly");
      const done = await raw(
        await serve(
          () =>
            new Response(encoded, { headers: { "Content-Type": "text/plain", "Content-Encoding": "gzip" } }),
        ),
        "br, gzip",
      );
      expect(done.headers["content-encoding"]).toBe("gzip");
      expect(done.body.equals(encoded)).toBe(true);
    });
  });
});

describe("acceptedEncoding", () => {
  it("prefers brotli, honours q=0 and the wildcard", () => {
    expect(acceptedEncoding("gzip, deflate, br")).toBe("br");
    expect(acceptedEncoding("gzip, deflate, br;q=0")).toBe("gzip");
    expect(acceptedEncoding("GZIP")).toBe("gzip");
    expect(acceptedEncoding("*")).toBe("br");
    expect(acceptedEncoding("br;q=0, *")).toBe("gzip");
    expect(acceptedEncoding("identity, *;q=0")).toBeNull();
    expect(acceptedEncoding("deflate")).toBe("deflate");
    expect(acceptedEncoding("compress")).toBeNull();
    expect(acceptedEncoding("")).toBeNull();
    expect(acceptedEncoding(undefined)).toBeNull();
  });
});
