import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { fixedClock } from "#app/domain/clock.ts";
import { MockSuiGateway } from "#app/domain/mock-sui-gateway.ts";
import { parseEnv } from "#app/lib/env.server.ts";
import { createLogger } from "#app/lib/logger.server.ts";
import { openDatabase } from "#db/client.ts";
import { listLogPartitions } from "#db/partitions.ts";
import { authNonces, workerRuns } from "#db/schema/index.ts";
import { withTestDatabase } from "#tests/support/database.ts";
import { type ManagerTask, runCycle } from "./cycle.ts";
import { cleanupTask } from "./tasks/cleanup.ts";

const database = withTestDatabase();
const logger = createLogger({ level: "silent" });
const env = parseEnv({ APP_ENV: "test" });

function deps(clock = fixedClock("2026-06-15T10:00:00Z")) {
  const handle = database.current.handle;
  return {
    db: handle.db,
    database: handle,
    env,
    clock,
    logger,
    gateway: new MockSuiGateway(handle.db, clock),
  };
}

describe("manager cycle", () => {
  it("records each task's outcome and keeps running after a failing task", async () => {
    const failing: ManagerTask = {
      name: "always-fails",
      run: async () => {
        throw new Error("boom");
      },
    };
    const counting: ManagerTask = { name: "counting", run: async () => ({ counted: 3 }) };
    const result = await runCycle(deps(), [failing, counting]);
    expect(result.status).toBe("failed");
    expect(result.tasks.map((t) => [t.task, t.status])).toEqual([
      ["always-fails", "failed"],
      ["counting", "ok"],
    ]);
    const runs = await database.current.handle.db
      .select()
      .from(workerRuns)
      .where(eq(workerRuns.cycleId, result.cycleId));
    expect(runs.map((run) => [run.task, run.status, run.error, run.detail])).toEqual(
      expect.arrayContaining([
        ["always-fails", "failed", "boom", null],
        ["counting", "ok", null, { counted: 3 }],
      ]),
    );
    expect(runs.every((run) => run.finishedAt !== null)).toBe(true);
  });

  it("runs one cycle at a time across processes: a second manager skips", async () => {
    const other = await openDatabase({ url: database.current.url, poolMax: 2 });
    try {
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let started: () => void = () => {};
      const running = new Promise<void>((resolve) => {
        started = resolve;
      });
      const slow: ManagerTask = {
        name: "slow",
        run: async () => {
          started();
          await gate;
          return undefined;
        },
      };
      const first = runCycle(deps(), [slow]);
      await running;
      const second = await runCycle({ ...deps(), db: other.db, database: other }, [slow]);
      release();
      expect(second.status).toBe("skipped");
      expect((await first).status).toBe("ok");
      // Once released, the lock can be taken again.
      expect((await runCycle({ ...deps(), db: other.db, database: other }, [])).status).toBe("ok");
    } finally {
      await other.close();
    }
  });

  it("cleanup keeps a week of partitions ahead, drops those past 90 days, purges old nonces", async () => {
    const { db } = database.current.handle;
    const clock = fixedClock("2026-06-15T10:00:00Z");
    await db.execute(
      sql.raw(`create table haproxy_logs_p20260301 partition of haproxy_logs
      for values from ('2026-03-01T00:00:00Z') to ('2026-03-02T00:00:00Z')`),
    );
    await db.insert(authNonces).values([
      {
        nonce: "a".repeat(64),
        address: `0x${"1".repeat(64)}`,
        message: "old",
        expiresAt: new Date("2026-06-13T00:00:00Z"),
      },
      {
        nonce: "b".repeat(64),
        address: `0x${"1".repeat(64)}`,
        message: "fresh",
        expiresAt: new Date("2026-06-15T10:05:00Z"),
      },
    ]);
    const result = await runCycle(deps(clock), [cleanupTask]);
    expect(result.status).toBe("ok");
    const partitions = await listLogPartitions(db);
    expect(partitions).not.toContain("haproxy_logs_p20260301");
    for (const day of ["20260614", "20260615", "20260622"])
      expect(partitions).toContain(`haproxy_logs_p${day}`);
    expect(result.tasks[0]?.detail).toMatchObject({ partitionsDropped: 1, noncesPurged: 1 });
    const nonces = await db.select({ message: authNonces.message }).from(authNonces);
    expect(nonces).toEqual([{ message: "fresh" }]);

    // Idempotent: a second run changes nothing.
    const again = await runCycle(deps(clock), [cleanupTask]);
    expect(again.tasks[0]?.detail).toEqual({
      partitionsCreated: 0,
      partitionsDropped: 0,
      noncesPurged: 0,
      sessionsPurged: 0,
      rateLimitBucketsPurged: 0,
    });
  });
});
