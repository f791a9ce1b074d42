// Production entry point: serves the built app (build/) on PORT. `npm start` builds first when
// the build is missing or stale. SIGTERM/SIGINT stop accepting connections, let in-flight
// requests finish, stop the in-process manager (if any), close the database and exit 0.
import path from "node:path";

// React must load its production build; set before the server bundle is imported.
process.env.NODE_ENV ??= "production";

const root = import.meta.dirname;
const bundle = await import("./build/server/index.js");

let env;
try {
  env = bundle.loadEnv();
} catch (error) {
  if (error instanceof bundle.EnvError) {
    console.error(`suiftly: refusing to start.\n${error.message}`);
    process.exit(1);
  }
  throw error;
}

const logger = bundle.createLogger({ level: env.logLevel });
let runtime;
try {
  runtime = await bundle.startRuntime({
    env,
    logger,
    migrationsFolder: path.join(root, "db", "migrations"),
  });
} catch (error) {
  if (error instanceof bundle.UnsupportedNetworkError) {
    console.error(`suiftly: refusing to start.\n${error.message}`);
    process.exit(1);
  }
  throw error;
}
const { app, beginDraining } = bundle.createApp(runtime.services, {
  clientDir: path.join(root, "build", "client"),
});

const server = app.listen(env.port, env.host, () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : env.port;
  logger.info(
    { port, database: runtime.services.database.describe, appEnv: env.appEnv, network: env.suiNetwork },
    `suiftly listening on http://localhost:${port}`,
  );
  // PM2 (wait_ready) and other supervisors learn that the app accepts traffic.
  process.send?.("ready");
});
// Longer than HAProxy's idle timeout so the proxy, not us, closes idle keep-alive connections.
server.keepAliveTimeout = 65_000;

const SHUTDOWN_TIMEOUT_MS = 30_000;
let shuttingDown = false;

async function shutdown(signal) {
  if (shuttingDown) return;
  shuttingDown = true;
  logger.info({ signal }, "shutting down: draining in-flight requests");
  beginDraining();
  const force = setTimeout(() => {
    logger.error("graceful shutdown timed out; exiting");
    process.exit(1);
  }, SHUTDOWN_TIMEOUT_MS);
  force.unref();

  const closed = new Promise((resolve) => server.close(resolve));
  // Idle keep-alive sockets would hold close() open; requests still running keep theirs.
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  server.closeIdleConnections();
  await closed;
  clearInterval(sweep);
  await runtime.stop();
  logger.info("shutdown complete");
  logger.flush?.();
  process.exit(0);
}

process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
