// What every loader and action may use, handed in through React Router's context by the
// server (server/http.ts) — never imported as module-level singletons, so tests can run many
// isolated apps (each with its own database and settings) in one process.
import { createContext, type RouterContextProvider } from "react-router";
import type { Clock } from "#app/domain/clock.ts";
import type { SuiGateway } from "#app/domain/sui-gateway.ts";
import type { Database, DatabaseHandle } from "#db/client.ts";
import type { CustomerCache } from "./cache.server.ts";
import type { CspSettings } from "./csp.server.ts";
import type { Env } from "./env.server.ts";
import type { Logger } from "./logger.server.ts";
import type { PageCache } from "./page-cache.server.ts";

export interface AppServices {
  env: Env;
  database: DatabaseHandle;
  db: Database;
  logger: Logger;
  clock: Clock;
  gateway: SuiGateway;
  /** Per-customer cache of usage aggregates (see cache.server.ts). */
  cache: CustomerCache;
  /** Rendered pages by their exact input (see page-cache.server.ts); absent when PAGE_CACHE_MB=0. */
  pages?: PageCache;
}

export interface RequestInfo {
  requestId: string;
  /** Logger bound to this request's id. */
  log: Logger;
  /** Client address as seen through the trusted proxies. */
  ip: string;
  /**
   * The Content-Security-Policy settings pages extend with their inline scripts' hashes (set by
   * server/http.ts; absent under the development server, which sends no CSP).
   */
  csp?: CspSettings;
}

export const servicesContext = createContext<AppServices | null>(null);
export const requestContext = createContext<RequestInfo | null>(null);

type Context = Readonly<RouterContextProvider>;

export function getServices(context: Context): AppServices {
  const services = context.get(servicesContext);
  if (!services) throw new Error("App services are missing from the request context");
  return services;
}

export function getRequestInfo(context: Context): RequestInfo {
  const info = context.get(requestContext);
  if (!info) throw new Error("Request info is missing from the request context");
  return info;
}
