// The manager's schedule: croner with `protect` so cycles never overlap. Used by the daemon
// and, in embedded (PGlite) mode, inside the web server process.
import { Cron } from "croner";
import { type CycleDeps, type CycleResult, type ManagerTask, runCycle } from "./cycle.ts";
import { managerTasks } from "./tasks/index.ts";

export interface ManagerSchedule {
  /** Run one cycle now (unless one is running) and wait for it. */
  runNow(): Promise<CycleResult | undefined>;
  /** Stop scheduling; let the current task finish (bounded), then resolve. */
  stop(timeoutMs?: number): Promise<void>;
}

export function startManagerSchedule(
  deps: Omit<CycleDeps, "signal">,
  options: { cron: string; tasks?: readonly ManagerTask[]; runAtStart?: boolean },
): ManagerSchedule {
  const controller = new AbortController();
  const tasks = options.tasks ?? managerTasks();
  let current: Promise<CycleResult | undefined> | undefined;

  const cycle = () => {
    if (current || controller.signal.aborted) return current;
    current = runCycle({ ...deps, signal: controller.signal }, tasks)
      .catch((error: unknown) => {
        deps.logger.error({ err: error }, "manager cycle crashed");
        return undefined;
      })
      .finally(() => {
        current = undefined;
      });
    return current;
  };

  const job = new Cron(
    options.cron,
    {
      name: "suiftly-manager",
      timezone: "UTC",
      protect: () => deps.logger.warn("previous manager cycle still running; this run is skipped"),
    },
    async () => {
      await cycle();
    },
  );
  deps.logger.info({ cron: options.cron, next: job.nextRun()?.toISOString() }, "manager schedule started");
  // A first cycle right away: the vault and /health/manager do not wait for the first tick.
  if (options.runAtStart) void cycle();

  return {
    runNow: async () => cycle(),
    async stop(timeoutMs = 30_000) {
      job.stop();
      controller.abort();
      if (current) {
        await Promise.race([current, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
      }
    },
  };
}
