// One manager cycle: take the global lock, run each task in order, record every outcome in
// `worker_runs`. A failing task is logged and recorded; the following tasks still run.
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Clock } from "#app/domain/clock.ts";
import type { SuiGateway } from "#app/domain/sui-gateway.ts";
import type { Env } from "#app/lib/env.server.ts";
import type { Logger } from "#app/lib/logger.server.ts";
import type { Database, DatabaseHandle } from "#db/client.ts";
import { workerRuns } from "#db/schema/index.ts";
import { createCycleLock } from "./lock.ts";

export interface TaskContext {
  db: Database;
  database: DatabaseHandle;
  env: Env;
  clock: Clock;
  gateway: SuiGateway;
  logger: Logger;
  /** Aborted when the process is asked to stop: tasks should finish their current step. */
  signal: AbortSignal;
}

export interface ManagerTask {
  name: string;
  run(context: TaskContext): Promise<Record<string, unknown> | undefined>;
}

export interface TaskOutcome {
  task: string;
  status: "ok" | "failed" | "skipped";
  durationMs: number;
  detail?: Record<string, unknown> | undefined;
  error?: string;
}

export interface CycleResult {
  cycleId: string;
  status: "ok" | "failed" | "skipped";
  tasks: TaskOutcome[];
}

export type CycleDeps = Omit<TaskContext, "signal"> & { signal?: AbortSignal };

export async function runCycle(deps: CycleDeps, tasks: readonly ManagerTask[]): Promise<CycleResult> {
  const cycleId = randomUUID();
  const log = deps.logger.child({ cycleId });
  const lock = createCycleLock(deps.database);
  if (!(await lock.tryAcquire())) {
    log.info("another manager cycle holds the lock; skipping this cycle");
    return { cycleId, status: "skipped", tasks: [] };
  }
  const signal = deps.signal ?? new AbortController().signal;
  const outcomes: TaskOutcome[] = [];
  try {
    for (const task of tasks) {
      if (signal.aborted) {
        outcomes.push({ task: task.name, status: "skipped", durationMs: 0 });
        continue;
      }
      outcomes.push(await runTask({ ...deps, signal, logger: log }, cycleId, task));
    }
  } finally {
    await lock.release();
  }
  const status = outcomes.some((o) => o.status === "failed") ? "failed" : "ok";
  log.info({ status, tasks: outcomes.map((o) => `${o.task}:${o.status}`) }, "manager cycle finished");
  return { cycleId, status, tasks: outcomes };
}

async function runTask(context: TaskContext, cycleId: string, task: ManagerTask): Promise<TaskOutcome> {
  const startedAt = context.clock.now();
  const started = performance.now();
  const [run] = await context.db
    .insert(workerRuns)
    .values({ cycleId, task: task.name, status: "running", startedAt })
    .returning({ id: workerRuns.id });
  let outcome: TaskOutcome;
  try {
    const detail = (await task.run(context)) ?? undefined;
    outcome = { task: task.name, status: "ok", durationMs: Math.round(performance.now() - started), detail };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    context.logger.error({ err: error, task: task.name }, "manager task failed");
    outcome = {
      task: task.name,
      status: "failed",
      durationMs: Math.round(performance.now() - started),
      error: message,
    };
  }
  if (run) {
    await context.db
      .update(workerRuns)
      .set({
        status: outcome.status,
        finishedAt: context.clock.now(),
        durationMs: outcome.durationMs,
        detail: outcome.detail ?? null,
        error: outcome.error ?? null,
      })
      .where(eq(workerRuns.id, run.id));
  }
  return outcome;
}
