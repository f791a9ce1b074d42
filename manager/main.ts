// The Global Manager's command line (spec §7):
//   npm run manager             the daemon: cron schedule (MANAGER_CRON), graceful SIGTERM/SIGINT
//   npm run manager -- once     one full cycle; exit 0 only if every task succeeded
//   npm run manager -- status   last run of each task
import { desc, sql } from "drizzle-orm";
import { systemClock } from "#app/domain/clock.ts";
import { UnsupportedNetworkError } from "#app/domain/sui-gateway.ts";
import { EnvError, loadEnv } from "#app/lib/env.server.ts";
import { assertSupportedNetwork, createSuiGateway } from "#app/lib/gateway.server.ts";
import { createLogger } from "#app/lib/logger.server.ts";
import { openDatabase, queryRows } from "#db/client.ts";
import { migrateDatabase } from "#db/migrate.ts";
import { vaultVersions } from "#db/schema/index.ts";
import { runCycle } from "./cycle.ts";
import { startManagerSchedule } from "./schedule.ts";
import { managerTasks } from "./tasks/index.ts";

async function main(argv: string[]): Promise<number> {
  const [command = "daemon"] = argv;
  if (!["daemon", "once", "status"].includes(command)) {
    console.error("usage: npm run manager [-- once|status]");
    return 2;
  }
  const env = loadEnv();
  assertSupportedNetwork(env);
  const logger = createLogger({ level: env.logLevel, name: "suiftly-manager" });
  const database = await openDatabase({
    url: env.databaseUrl,
    dataDir: env.dataDir,
    poolMax: 4,
    applicationName: "suiftly-manager",
  });
  try {
    if (command === "status") {
      const runs = await queryRows<{
        task: string;
        status: string;
        started_at: Date;
        duration_ms: number | null;
        error: string | null;
      }>(
        database.db,
        sql`select distinct on (task) task, status, started_at, duration_ms, error
              from worker_runs order by task, started_at desc`,
      );
      const [vault] = await database.db
        .select()
        .from(vaultVersions)
        .orderBy(desc(vaultVersions.seq))
        .limit(1);
      console.log(JSON.stringify({ tasks: runs, vault: vault ?? null }, null, 2));
      return 0;
    }

    await migrateDatabase(database);
    const gateway = createSuiGateway(env, database.db, systemClock);
    const deps = { db: database.db, database, env, clock: systemClock, gateway, logger };
    if (command === "once") {
      const result = await runCycle(deps, managerTasks);
      console.log(JSON.stringify(result));
      return result.status === "ok" ? 0 : 1;
    }

    const schedule = startManagerSchedule(deps, { cron: env.managerCron });
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        logger.info({ signal }, "manager stopping: finishing the current task");
        resolve();
      };
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
    });
    await schedule.stop(30_000);
    return 0;
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(
      error instanceof EnvError || error instanceof UnsupportedNetworkError ? error.message : error,
    );
    process.exit(1);
  },
);
