// Playwright's web server: the built app (server.js) on a fresh PostgreSQL database created for
// this run (suiftly_test_e2e_*), dropped again when Playwright stops the server.
import { spawn } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { buildIfStale } from "../../scripts/build-if-stale.mjs";

const root = path.resolve(import.meta.dirname, "..", "..");
const admin = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const name = `suiftly_test_e2e_${Math.floor(Date.now() / 1000)}_${process.pid}`;

async function withAdmin(fn) {
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

// Test the current sources, not a stale build.
buildIfStale({ quiet: true });
await withAdmin((client) => client.query(`create database "${name}"`));
const url = new URL(admin);
url.pathname = `/${name}`;
// Tests that seed data the way the manager does (tests/e2e/seed-traffic.ts) find the database here.
const port = process.env.E2E_PORT ?? "3100";
const databaseFile = path.join(tmpdir(), `suiftly-e2e-${port}.json`);
writeFileSync(databaseFile, JSON.stringify({ databaseUrl: url.toString() }));

const child = spawn(path.join(root, "node_modules", ".bin", "node"), ["server.js"], {
  cwd: root,
  stdio: "inherit",
  env: {
    ...process.env,
    DATABASE_URL: url.toString(),
    PORT: port,
    HOST: "127.0.0.1",
    APP_ENV: "test",
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
    MANAGER_IN_PROCESS: "false",
    // Every test signs in from 127.0.0.1; the per-IP limit itself is covered by integration tests.
    AUTH_RATE_LIMIT_PER_MINUTE: "100000",
  },
});

let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  if (child.exitCode === null) child.kill(signal);
}
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));

const code = await new Promise((resolve) => child.once("exit", (exitCode) => resolve(exitCode)));
rmSync(databaseFile, { force: true });
await withAdmin((client) => client.query(`drop database if exists "${name}" with (force)`)).catch((error) =>
  console.error(`could not drop ${name}: ${error.message}`),
);
process.exit(stopping ? 0 : (code ?? 1));
