// The server bundle's entry (vite.config.ts builds this file for SSR). Everything the
// production server and the integration tests need comes from this one module, so route code
// and server code share the same module instances.
import * as build from "virtual:react-router/server-build";
import type { ServerBuild } from "react-router";
import type { AppServices } from "#app/lib/services.server.ts";
import { createHttpApp } from "./http.ts";

export { fixedClock, systemClock } from "#app/domain/clock.ts";
export { UnsupportedNetworkError } from "#app/domain/sui-gateway.ts";
export { EnvError, loadEnv, parseEnv } from "#app/lib/env.server.ts";
export { createLogger } from "#app/lib/logger.server.ts";
export type { Runtime, StartRuntimeOptions } from "./runtime.ts";
export { startRuntime } from "./runtime.ts";

export function createApp(services: AppServices, options: { clientDir: string }) {
  return createHttpApp({ build: build as unknown as ServerBuild, services, clientDir: options.clientDir });
}
