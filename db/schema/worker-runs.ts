import { sql } from "drizzle-orm";
import { bigint, check, index, integer, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { createdAt, utc } from "./columns.ts";

export const WORKER_RUN_STATUSES = ["running", "ok", "failed", "skipped"] as const;
export type WorkerRunStatus = (typeof WORKER_RUN_STATUSES)[number];

/** The outcome of each manager task in each cycle (spec §7); feeds `/health/manager`. */
export const workerRuns = pgTable(
  "worker_runs",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    cycleId: uuid().notNull(),
    task: text().notNull(),
    status: text({ enum: WORKER_RUN_STATUSES }).notNull(),
    startedAt: createdAt(),
    finishedAt: utc(),
    durationMs: integer(),
    detail: jsonb().$type<Record<string, unknown>>(),
    error: text(),
  },
  (t) => [
    index("worker_runs_task_started_idx").on(t.task, t.startedAt.desc()),
    index("worker_runs_cycle_idx").on(t.cycleId),
    check("worker_runs_status_valid", sql`${t.status} in ('running', 'ok', 'failed', 'skipped')`),
  ],
);
