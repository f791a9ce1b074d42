// The manager's command line as an operator uses it: the daemon stops cleanly on SIGTERM, `status`
// reports, bad usage is refused.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { withTestDatabase } from "#tests/support/database.ts";
import { nodeBinary } from "#tests/support/server-process.ts";

const database = withTestDatabase();
const root = path.resolve(import.meta.dirname, "..", "..");
const vaultDir = mkdtempSync(path.join(tmpdir(), "suiftly-cli-"));
afterAll(() => rmSync(vaultDir, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(nodeBinary, ["manager/main.ts", ...args], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      APP_ENV: "test",
      DATABASE_URL: database.current.url,
      VAULT_DIR: vaultDir,
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, output: () => output };
}

describe("npm run manager", () => {
  it("runs a cycle at start, then stops on SIGTERM with exit 0", async () => {
    const daemon = run([], { MANAGER_CRON: "0 0 1 1 *" });
    // Generous: starting from TypeScript sources takes seconds on a busy 2-core machine.
    const deadline = Date.now() + 40_000;
    while (Date.now() < deadline && !daemon.output().includes("manager cycle finished")) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(daemon.output()).toContain("manager cycle finished");
    daemon.child.kill("SIGTERM");
    expect(await daemon.exited).toBe(0);
    expect(daemon.output()).toContain("manager stopping");
  }, 60_000);

  it("reports the last run of each task and the vault version", async () => {
    const once = run(["once"], { LOG_LEVEL: "silent" });
    expect(await once.exited).toBe(0);
    const status = run(["status"], { LOG_LEVEL: "silent" });
    expect(await status.exited).toBe(0);
    const report = JSON.parse(status.output()) as {
      tasks: { task: string; status: string }[];
      vault: { seq: number };
    };
    expect(report.tasks.map((task) => task.task).sort()).toEqual(
      ["balances", "bill", "cleanup", "ingest", "meter", "seal-registrations", "vault"].sort(),
    );
    expect(report.tasks.every((task) => task.status === "ok")).toBe(true);
    expect(report.vault.seq).toBeGreaterThanOrEqual(1);
  }, 30_000);

  it("refuses unknown commands and an ingest without sources", async () => {
    for (const args of [["frobnicate"], ["ingest"]]) {
      const refused = run(args);
      expect(await refused.exited).toBe(2);
      expect(refused.output()).toContain("usage: npm run manager");
    }
  });
});
