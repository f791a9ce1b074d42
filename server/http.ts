// The HTTP layer around React Router: request ids and access logs, compression, static files
// with long-lived caching for fingerprinted assets, and the services handed to every route.
import { randomUUID } from "node:crypto";
import { type Dirent, readdirSync } from "node:fs";
import path from "node:path";
import compression from "compression";
import express from "express";
import helmet from "helmet";
import { RouterContextProvider, type ServerBuild } from "react-router";
import { type CspSettings, contentSecurityPolicy } from "#app/lib/csp.server.ts";
import { type AppServices, requestContext, servicesContext } from "#app/lib/services.server.ts";
import { createRequestHandler } from "./request-handler.ts";

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{8,128}$/;

export interface HttpAppOptions {
  build: ServerBuild;
  services: AppServices;
  /** Directory of the client build (build/client). */
  clientDir: string;
  mode?: "production" | "development";
}

export interface HttpApp {
  app: express.Express;
  /** From now on, responses ask clients to close their connection (graceful shutdown). */
  beginDraining(): void;
}

export function createHttpApp(options: HttpAppOptions): HttpApp {
  const { services, clientDir } = options;
  const app = express();
  let draining = false;

  app.disable("x-powered-by");
  app.set("trust proxy", services.env.trustProxyHops);

  // Request id (accepting a sane one from the edge) + one access-log line per request.
  app.use((req, res, next) => {
    const incoming = req.get("x-request-id");
    const requestId = incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
    const log = services.logger.child({ reqId: requestId });
    res.locals.requestId = requestId;
    res.locals.log = log;
    res.setHeader("X-Request-Id", requestId);
    if (draining) res.setHeader("Connection", "close");
    const started = performance.now();
    res.on("finish", () => {
      const requestPath = req.originalUrl.split("?")[0] ?? "/";
      const entry = {
        method: req.method,
        path: requestPath,
        status: res.statusCode,
        ms: Math.round((performance.now() - started) * 10) / 10,
        ip: req.ip,
      };
      if (requestPath.startsWith("/health") || requestPath.startsWith("/assets/"))
        log.debug(entry, "request");
      else log.info(entry, "request");
    });
    next();
  });

  const csp = cspSettings(services);
  app.use(securityHeaders(services, csp));
  app.use(compression());

  // A path that is not valid percent-encoding names no page or file: a 400 here, before React
  // Router, which would answer 404 and print a warning outside the JSON logs.
  app.use((req, res, next) => {
    try {
      decodeURIComponent(req.path);
    } catch {
      res.status(400).type("text/plain").send("Malformed URL: invalid percent-encoding in the path.");
      return;
    }
    next();
  });

  // Fingerprinted build assets never change: cache for a year, immutable. A missing asset is a
  // plain 404 rather than a page render.
  app.use(
    "/assets",
    express.static(path.join(clientDir, "assets"), {
      immutable: true,
      maxAge: "1y",
      index: false,
      fallthrough: false,
    }),
  );
  // Other public files (favicon, robots.txt) may change between deploys: cache briefly. They are
  // listed once at start, so a page request costs no filesystem lookup.
  const publicFiles = listPublicFiles(clientDir);
  const servePublic = express.static(clientDir, { maxAge: "1h", index: false, redirect: false });
  app.use((req, res, next) => {
    if (publicFiles.has(decodeURIComponent(req.path))) servePublic(req, res, next);
    else next();
  });

  app.use(
    createRequestHandler({
      build: options.build,
      mode: options.mode ?? "production",
      getLoadContext(req, res) {
        const context = new RouterContextProvider();
        context.set(servicesContext, services);
        context.set(requestContext, {
          requestId: res.locals.requestId as string,
          log: res.locals.log,
          ip: req.ip ?? req.socket.remoteAddress ?? "unknown",
          csp,
        });
        return context;
      },
    }),
  );

  return {
    app,
    beginDraining() {
      draining = true;
    },
  };
}

/**
 * URL paths of the files in the client build outside /assets (what `public/` holds: favicon,
 * robots.txt, …). The build does not change while the server runs.
 */
function listPublicFiles(clientDir: string): Set<string> {
  const files = new Set<string>();
  let entries: Dirent[];
  try {
    entries = readdirSync(clientDir, { recursive: true, withFileTypes: true });
  } catch {
    return files;
  }
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const relative = path.relative(clientDir, path.join(entry.parentPath, entry.name)).split(path.sep);
    if (relative[0] === "assets" || relative.some((part) => part.startsWith("."))) continue;
    files.add(`/${relative.join("/")}`);
  }
  return files;
}

const FULLNODES: Record<string, string> = {
  testnet: "https://fullnode.testnet.sui.io:443",
  mainnet: "https://fullnode.mainnet.sui.io:443",
};

/** What the Content-Security-Policy allows besides our own origin (app/lib/csp.server.ts). */
function cspSettings(services: AppServices): CspSettings {
  const fullnode = FULLNODES[services.env.suiNetwork];
  return { connectSources: fullnode ? [fullnode] : [], upgradeInsecureRequests: services.env.isProduction };
}

/**
 * Security headers on every response (spec §6): the base Content-Security-Policy (scripts from our
 * origin only; a page replaces it with one that also allows its own inline scripts by hash), no
 * framing, nosniff, a same-origin referrer policy, HSTS in production.
 */
function securityHeaders(services: AppServices, csp: CspSettings): express.RequestHandler {
  const { env } = services;
  const basePolicy = contentSecurityPolicy(csp);
  const headers = helmet({
    contentSecurityPolicy: false,
    // Wallet pop-ups (e.g. the Slush web wallet) talk back to their opener.
    crossOriginOpenerPolicy: { policy: "same-origin-allow-popups" },
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: "same-origin" },
    strictTransportSecurity: env.isProduction ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    xFrameOptions: { action: "deny" },
  });
  return (req, res, next) => {
    res.setHeader("Content-Security-Policy", basePolicy);
    headers(req, res, next);
  };
}
