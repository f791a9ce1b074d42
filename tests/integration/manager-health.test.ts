// GET /health/manager over real HTTP (spec §7): 503 until a full manager cycle succeeded, 200 with
// the last cycle and vault version, 503 again 15 minutes later, and a cycle with a failed task
// does not count.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "#app/domain/clock.ts";
import { MockSuiGateway } from "#app/domain/mock-sui-gateway.ts";
import { enableService } from "#app/domain/service-operations.ts";
import { parseEnv } from "#app/lib/env.server.ts";
import { createLogger } from "#app/lib/logger.server.ts";
import { type CycleDeps, type ManagerTask, runCycle } from "#manager/cycle.ts";
import { managerTasks } from "#manager/tasks/index.ts";
import { vaultTask } from "#manager/tasks/vault.ts";
import { startTestApp, type TestApp } from "#tests/support/app.ts";
import { fundedCustomer } from "#tests/support/billing.ts";
import { withTestDatabase } from "#tests/support/database.ts";
import { serviceDeps } from "#tests/support/deps.ts";

const database = withTestDatabase();
const clock = fixedClock("2026-11-15T09:00:00Z");
let app: TestApp;
let vaultDir: string;

beforeAll(async () => {
  vaultDir = await mkdtemp(path.join(os.tmpdir(), "suiftly-health-vault-"));
  app = await startTestApp({ database: database.current.handle, clock });
});
afterAll(async () => {
  await app?.close();
  await rm(vaultDir, { recursive: true, force: true });
});

function cycleDeps(): CycleDeps {
  const handle = database.current.handle;
  return {
    db: handle.db,
    database: handle,
    env: parseEnv({ APP_ENV: "test", VAULT_DIR: vaultDir }),
    clock,
    gateway: new MockSuiGateway(handle.db, clock),
    logger: createLogger({ level: "silent" }),
  };
}

async function health() {
  const response = await fetch(`${app.baseUrl}/health/manager`);
  expect(response.headers.get("content-type")).toMatch(/application\/json/);
  expect(response.headers.get("cache-control")).toBe("no-store");
  return { status: response.status, body: await response.json() };
}

describe("GET /health/manager", () => {
  it("is 503 stale before any manager cycle", async () => {
    const { status, body } = await health();
    expect(status).toBe(503);
    expect(body).toMatchObject({
      status: "stale",
      ok: false,
      lastSuccessfulCycleAt: null,
      lastVaultCheckAt: null,
      vault: null,
    });
    expect(body.reasons).toEqual(["no successful manager cycle yet", "no vault written yet"]);
  });

  it("is 200 with the last cycle and the vault version after a successful cycle", async () => {
    // Something for the cycle to do: a Seal service with a key to register and put in the vault.
    const handle = database.current.handle;
    const deps = serviceDeps(handle, clock);
    const customer = await fundedCustomer(deps, 10_000);
    await enableService(
      deps,
      { customerId: customer.customerId, address: customer.walletAddress, ip: "198.51.100.7" },
      {
        serviceType: "seal",
        tier: "starter",
        burstEnabled: false,
        apiKeys: 1,
        sealKeys: 1,
        requestId: randomUUID(),
      },
    );

    const cycle = await runCycle(cycleDeps(), managerTasks());
    expect(cycle.tasks.filter((task) => task.status !== "ok")).toEqual([]);
    expect(cycle.status).toBe("ok");
    const vault = cycle.tasks.find((task) => task.task === "vault")?.detail;
    expect(vault).toMatchObject({ written: true, seq: 1, customers: 1 });

    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body).toEqual({
      status: "ok",
      ok: true,
      reasons: [],
      lastSuccessfulCycleAt: "2026-11-15T09:00:00.000Z",
      lastVaultCheckAt: "2026-11-15T09:00:00.000Z",
      vault: { seq: 1, contentHash: vault?.contentHash, createdAt: "2026-11-15T09:00:00.000Z" },
    });
  });

  it("is still 200 fifteen minutes later, 503 after sixteen", async () => {
    clock.set("2026-11-15T09:15:00Z");
    expect((await health()).status).toBe(200);

    clock.set("2026-11-15T09:16:00Z");
    const { status, body } = await health();
    expect(status).toBe(503);
    expect(body).toMatchObject({
      status: "stale",
      ok: false,
      lastSuccessfulCycleAt: "2026-11-15T09:00:00.000Z",
      vault: { seq: 1 },
    });
    expect(body.reasons).toEqual([
      "no successful manager cycle in the last 15 minutes",
      "the vault was not confirmed current in the last 15 minutes",
    ]);
  });

  it("does not count a cycle in which a task failed", async () => {
    const failing: ManagerTask = {
      name: "always-fails",
      run: async () => {
        throw new Error("boom");
      },
    };
    const cycle = await runCycle(cycleDeps(), [failing, vaultTask]);
    expect(cycle.status).toBe("failed");
    expect(cycle.tasks.map((task) => [task.task, task.status])).toEqual([
      ["always-fails", "failed"],
      ["vault", "ok"],
    ]);

    const { status, body } = await health();
    expect(status).toBe(503);
    expect(body).toMatchObject({
      status: "stale",
      lastSuccessfulCycleAt: "2026-11-15T09:00:00.000Z",
      // The vault itself was confirmed current by that cycle.
      lastVaultCheckAt: "2026-11-15T09:16:00.000Z",
      vault: { seq: 1 },
    });
    expect(body.reasons).toEqual(["no successful manager cycle in the last 15 minutes"]);

    // A full successful cycle makes it healthy again.
    expect((await runCycle(cycleDeps(), managerTasks())).status).toBe("ok");
    const after = await health();
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({
      lastSuccessfulCycleAt: "2026-11-15T09:16:00.000Z",
      vault: { seq: 1 },
    });
  });

  it("does not count a cycle whose vault task failed, nor take it as confirming the vault", async () => {
    clock.set("2026-11-15T09:40:00Z");
    const failing: ManagerTask = {
      name: "vault",
      run: async () => {
        throw new Error("disk full");
      },
    };
    const cycle = await runCycle(cycleDeps(), [
      ...managerTasks().filter((task) => task.name !== "vault"),
      failing,
    ]);
    expect(cycle.status).toBe("failed");
    const { status, body } = await health();
    expect(status).toBe(503);
    expect(body.lastSuccessfulCycleAt).toBe("2026-11-15T09:16:00.000Z");
    expect(body.reasons).toEqual([
      "no successful manager cycle in the last 15 minutes",
      "the vault was not confirmed current in the last 15 minutes",
    ]);
  });
});
