// Start the real, built app (build/server/index.js) on an ephemeral port against a test
// database, with settings chosen by the test. Requests go over real HTTP.
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Clock } from "#app/domain/clock.ts";
import type { Logger } from "#app/lib/logger.server.ts";
import type { AppServices } from "#app/lib/services.server.ts";
import type { DatabaseHandle } from "#db/client.ts";

type ServerBundle = typeof import("#server/app.ts");

const root = path.resolve(import.meta.dirname, "..", "..");
let bundle: Promise<ServerBundle> | undefined;

export function loadServerBundle(): Promise<ServerBundle> {
  bundle ??= import(path.join(root, "build", "server", "index.js")) as Promise<ServerBundle>;
  return bundle;
}

export interface TestApp {
  baseUrl: string;
  services: AppServices;
  close(): Promise<void>;
}

export async function startTestApp(options: {
  database: DatabaseHandle;
  env?: Record<string, string>;
  clock?: Clock;
  logger?: Logger;
}): Promise<TestApp> {
  const server = await loadServerBundle();
  // Many sign-ins come from 127.0.0.1 in one file: tests that exercise the limit lower it.
  const env = server.parseEnv({
    APP_ENV: "test",
    LOG_LEVEL: "silent",
    AUTH_RATE_LIMIT_PER_MINUTE: "100000",
    ...options.env,
  });
  const runtime = await server.startRuntime({
    env,
    database: options.database,
    prepareDatabase: false,
    managerInProcess: false,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const { app } = server.createApp(runtime.services, { clientDir: path.join(root, "build", "client") });
  const listener = app.listen(0, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    listener.once("listening", resolve);
    listener.once("error", reject);
  });
  const { port } = listener.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    services: runtime.services,
    async close() {
      listener.closeAllConnections();
      await new Promise((resolve) => listener.close(resolve));
      await runtime.stop();
    },
  };
}
