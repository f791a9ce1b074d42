// Server rendering: the whole document in one buffer, its inline scripts allowed by hash in its own
// Content-Security-Policy, compressed for the client — and kept, so that the same page for the
// same data is answered without rendering it again (lib/page-cache.server.ts).
import { Writable } from "node:stream";
import { renderToPipeableStream } from "react-dom/server";
import type { EntryContext, HandleErrorFunction, RouterContextProvider } from "react-router";
import { ServerRouter } from "react-router";
import { getViewer } from "./lib/auth.server.ts";
import { contentSecurityPolicy, inlineScriptHashes } from "./lib/csp.server.ts";
import { compressBody, encodingFor } from "./lib/http-compression.server.ts";
import { PageCache } from "./lib/page-cache.server.ts";
import { requestContext, servicesContext } from "./lib/services.server.ts";

export const streamTimeout = 5_000;

/** Unexpected server errors go to the structured log with the request id, never to the page. */
export const handleError: HandleErrorFunction = (error, { request, context }) => {
  if (request.signal.aborted) return;
  const log = (context as RouterContextProvider | undefined)?.get(requestContext)?.log;
  if (log) log.error({ err: error, path: new URL(request.url).pathname }, "unhandled server error");
  else console.error(error);
};

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  routerContext: EntryContext,
  loadContext: RouterContextProvider,
) {
  if (request.method.toUpperCase() === "HEAD") {
    return new Response(null, { status: responseStatusCode, headers: responseHeaders });
  }
  const pages = loadContext.get(servicesContext)?.pages;
  const key = pages ? pageKey(request, responseStatusCode, routerContext, loadContext) : null;
  let page = key ? pages?.get(key) : undefined;
  if (!page) {
    const html = await renderDocument(request, routerContext, loadContext, (status) => {
      responseStatusCode = status;
    });
    page = { html, scriptHashes: inlineScriptHashes(html) };
    if (key && responseStatusCode === 200) pages?.set(key, page);
  }

  const csp = loadContext.get(requestContext)?.csp;
  if (csp) responseHeaders.set("Content-Security-Policy", contentSecurityPolicy(csp, page.scriptHashes));
  responseHeaders.set("Content-Type", "text/html; charset=utf-8");
  responseHeaders.append("Vary", "Accept-Encoding");
  let body = page.html;
  const encoding = encodingFor(request.headers.get("accept-encoding"), body.byteLength);
  if (encoding) {
    body = key && pages ? pages.encoded(key, page, encoding) : compressBody(page.html, encoding);
    responseHeaders.set("Content-Encoding", encoding);
  }
  responseHeaders.set("Content-Length", String(body.byteLength));
  // Node's Buffers are plain ArrayBuffer-backed here (never shared memory).
  return new Response(body as Uint8Array<ArrayBuffer>, {
    headers: responseHeaders,
    status: responseStatusCode,
  });
}

/**
 * The page-cache key of this render, or null when it must be rendered: only a plain GET answered
 * 200 without errors is kept (no action data, no error boundary, no redirects or error pages).
 */
function pageKey(
  request: Request,
  status: number,
  routerContext: EntryContext,
  loadContext: RouterContextProvider,
): string | null {
  const state = routerContext.staticHandlerContext;
  if (request.method !== "GET" || status !== 200 || state.errors || state.actionData) return null;
  const viewer = getViewer(loadContext);
  const url = new URL(request.url);
  return PageCache.keyOf({
    scope: viewer ? `customer:${viewer.customerId}` : "anonymous",
    url: `${url.pathname}${url.search}`,
    status,
    data: state.loaderData,
  });
}

/**
 * The whole document, rendered to one buffer. No route streams deferred data, so streaming would
 * only cut the page into dozens of small socket writes (each compressed separately); one buffer is
 * cheaper to write and to compress, and its inline scripts can be hashed for the CSP.
 */
function renderDocument(
  request: Request,
  routerContext: EntryContext,
  loadContext: RouterContextProvider,
  setStatus: (status: number) => void,
): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    let shellRendered = false;
    const timeoutId = setTimeout(() => abort(), streamTimeout + 1000);
    const { pipe, abort } = renderToPipeableStream(
      <ServerRouter context={routerContext} url={request.url} />,
      {
        onAllReady() {
          shellRendered = true;
          const chunks: Buffer[] = [];
          pipe(
            new Writable({
              write(chunk: Buffer, _encoding, callback) {
                chunks.push(chunk);
                callback();
              },
              final(callback) {
                clearTimeout(timeoutId);
                resolve(Buffer.concat(chunks));
                callback();
              },
            }),
          );
        },
        onShellError(error: unknown) {
          clearTimeout(timeoutId);
          reject(error);
        },
        onError(error: unknown) {
          setStatus(500);
          // Errors before the shell is ready are logged by React Router itself.
          if (shellRendered)
            loadContext.get(requestContext)?.log.error({ err: error }, "render error after the shell");
        },
      },
    );
  });
}
