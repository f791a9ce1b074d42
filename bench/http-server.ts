// The production server for the HTTP benchmarks (bench:http, bench:weight): the optimized build
// (`npm run build`, rebuilt first when stale, like `npm start`) run as a child process exactly as
// `server.js` runs in a deployment — NODE_ENV=production, APP_ENV=production with the settings the
// README requires there — against the benchmark's scratch database.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildIfStale } from "../scripts/build-if-stale.mjs";

const root = path.resolve(import.meta.dirname, "..");

/** Build `build/` when it is missing or older than its sources (the same check as `npm start`). */
export function ensureProductionBuild(): void {
  const started = performance.now();
  const built = buildIfStale();
  if (built) console.log(`built the app in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** The commit measured, flagged when the app's sources differ from it. */
export function gitCommit(): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: root,
      encoding: "utf8",
    }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "app", "server", "db", "public"], {
      cwd: root,
      encoding: "utf8",
    }).trim();
    return dirty ? `${head} (+ uncommitted changes in app/server/db)` : head;
  } catch {
    return "unknown";
  }
}

/** A TCP port that is free right now (APP_ORIGIN must name the port before the server starts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  if (!port) throw new Error("could not find a free port");
  return port;
}

export interface ProductionServer {
  baseUrl: string;
  port: number;
  pid: number | undefined;
  /** The settings the server runs with (secrets redacted), for the report. */
  settings: Record<string, string>;
  /** The last lines the server wrote (its JSON log). */
  tail(lines?: number): string;
  /** SIGTERM (graceful drain), SIGKILL after 35 s. Idempotent. */
  stop(): Promise<number | null>;
}

export interface StartServerOptions {
  databaseUrl: string;
  /** LOG_LEVEL of the server (default `info`, the documented default: one JSON line per page request). */
  logLevel?: string;
  /** Extra settings (they win over the defaults). */
  env?: Record<string, string>;
  startTimeoutMs?: number;
  /** The checkout whose build runs (default: this one). */
  root?: string;
  /**
   * Run server.js as this many node:cluster workers sharing the port, as PM2's cluster mode does in
   * production (bench/cluster-server.ts). Unset: one plain process.
   */
  workers?: number;
}

/**
 * Start `server.js` from the production build on a free port of 127.0.0.1. Its log goes to a file
 * (not through this process, which also runs the load generator); the server counts as started
 * when it logs `suiftly listening` or, below LOG_LEVEL info, when /health answers 200.
 */
export async function startProductionServer(options: StartServerOptions): Promise<ProductionServer> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const dir = await mkdtemp(path.join(tmpdir(), "suiftly-bench-server-"));
  const logFile = path.join(dir, "server.log");
  const settings: Record<string, string> = {
    NODE_ENV: "production",
    APP_ENV: "production",
    DATABASE_URL: options.databaseUrl,
    HOST: "127.0.0.1",
    PORT: String(port),
    APP_ORIGIN: baseUrl,
    SESSION_SECRET: randomBytes(32).toString("hex"),
    SUI_NETWORK: "mock",
    ALLOW_MOCK_CHAIN: "true",
    // With DATABASE_URL the manager runs as its own daemon, not inside the web server.
    MANAGER_IN_PROCESS: "false",
    DATA_DIR: path.join(dir, "data"),
    VAULT_DIR: path.join(dir, "vault"),
    LOG_LEVEL: options.logLevel ?? "info",
    ...options.env,
  };
  const fd = openSync(logFile, "a");
  let child: ChildProcess;
  try {
    const serverRoot = options.root ?? root;
    const args = options.workers ? [path.join(root, "bench", "cluster-server.ts")] : ["server.js"];
    if (options.workers) settings.BENCH_WORKERS = String(options.workers);
    // The Node the project pins (the `node` package), as `npm start` uses it.
    child = spawn(path.join(serverRoot, "node_modules", ".bin", "node"), args, {
      cwd: serverRoot,
      env: { PATH: process.env.PATH ?? "", ...settings },
      stdio: ["ignore", fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  const readLog = () => {
    try {
      return readFileSync(logFile, "utf8");
    } catch {
      return "";
    }
  };
  const tail = (lines = 20) => readLog().trimEnd().split("\n").slice(-lines).join("\n");
  // Never leave a server behind, whatever way this process ends.
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.on("exit", killOnExit);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const started = performance.now();
  let running = true;
  void exited.then(() => {
    running = false;
  });
  const listening = async () => {
    if (options.workers) return /"msg":"cluster ready"/.test(readLog());
    if (/"port":\d+,[^\n]*suiftly listening/.test(readLog())) return true;
    // Below LOG_LEVEL info the start-up line is not logged: ask /health instead.
    try {
      const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      return response.status === 200;
    } catch {
      return false;
    }
  };
  while (!(await listening())) {
    if (!running) {
      process.off("exit", killOnExit);
      const log = tail(40);
      await rm(dir, { recursive: true, force: true });
      throw new Error(`the server exited before listening:\n${log}`);
    }
    if (performance.now() - started > timeoutMs) {
      child.kill("SIGKILL");
      await exited;
      process.off("exit", killOnExit);
      const log = tail(40);
      await rm(dir, { recursive: true, force: true });
      throw new Error(`the server did not start within ${timeoutMs / 1000} s:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  let stopped: Promise<number | null> | undefined;
  return {
    baseUrl,
    port,
    pid: child.pid,
    settings: {
      ...settings,
      DATABASE_URL: options.databaseUrl.replace(/\/\/[^@/]*@/, "//…@"),
      SESSION_SECRET: "(random, 64 hex)",
    },
    tail,
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 35_000);
        const code = await exited;
        clearTimeout(timer);
        process.off("exit", killOnExit);
        await rm(dir, { recursive: true, force: true });
        return code;
      })();
      return stopped;
    },
  };
}
