// The production entry point as a real process: boots on embedded PGlite with no configuration,
// refuses unsafe production settings, and drains in-flight requests on SIGTERM before exiting 0.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runServerExpectingExit, spawnServer } from "#tests/support/server-process.ts";

const dataDir = mkdtempSync(path.join(tmpdir(), "suiftly-server-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("server.js", () => {
  it("boots on embedded PGlite, serves the shell, and drains in-flight requests on SIGTERM", async () => {
    const server = await spawnServer({ DATA_DIR: dataDir, LOG_LEVEL: "info" });
    try {
      const health = await fetch(`${server.baseUrl}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ database: { status: "ok", kind: "pglite" } });
      const page = await fetch(`${server.baseUrl}/dashboard`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("Demo mode");
      expect(existsSync(path.join(dataDir, "pglite"))).toBe(true);

      // A request whose headers are still arriving when SIGTERM lands must still be answered.
      const socket = connect(server.port, "127.0.0.1");
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
      let response = "";
      socket.on("data", (chunk) => {
        response += chunk;
      });
      const socketClosed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      socket.write("GET /health HTTP/1.1\r\nHost: localhost\r\n");
      await new Promise((resolve) => setTimeout(resolve, 100));
      server.child.kill("SIGTERM");
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(server.child.exitCode).toBeNull(); // still draining
      socket.write("\r\n");
      await socketClosed;
      expect(response).toMatch(/^HTTP\/1\.1 200 OK/);
      expect(response.toLowerCase()).toContain("connection: close");
      expect(await server.exited).toBe(0);
      expect(server.output()).toContain("shutdown complete");
      // The embedded database's lock was released on the way out.
      expect(existsSync(path.join(dataDir, "pglite.lock"))).toBe(false);
    } finally {
      if (server.child.exitCode === null) server.child.kill("SIGKILL");
    }
  }, 90_000);

  it("restarts on the same data directory with the data intact", async () => {
    const server = await spawnServer({ DATA_DIR: dataDir, LOG_LEVEL: "info" });
    try {
      expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);
      // The first boot created this week's log partitions; they are still there.
      expect(server.output()).toMatch(/"partitionsCreated":0[^\n]*database migrated and seeded/);
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
    } finally {
      if (server.child.exitCode === null) server.child.kill("SIGKILL");
    }
  }, 90_000);

  it("refuses to start in production with a missing or default session secret", async () => {
    const missing = await runServerExpectingExit({ APP_ENV: "production", SUI_NETWORK: "testnet" });
    expect(missing.code).toBe(1);
    expect(missing.output).toMatch(/refusing to start[\s\S]*SESSION_SECRET: required in production/);
    const defaulted = await runServerExpectingExit({
      APP_ENV: "production",
      SUI_NETWORK: "testnet",
      SESSION_SECRET: "dev-only-session-secret-change-me-in-production-0000",
    });
    expect(defaulted.code).toBe(1);
    expect(defaulted.output).toMatch(/development default is not allowed/);
  });

  it("refuses a real Sui network until the chain adapter exists", async () => {
    const result = await runServerExpectingExit({ DATA_DIR: dataDir, SUI_NETWORK: "testnet" });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/refusing to start[\s\S]*SUI_NETWORK=testnet needs the Sui chain adapter/);
  });
});
