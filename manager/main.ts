// The Global Manager's command line (spec §7):
//   npm run manager                      the daemon: a cycle now, then on MANAGER_CRON; the syslog
//                                        receiver when INGEST_SYSLOG_PORT is set; SIGTERM/SIGINT
//                                        finish the current task (≤ 30 s) and exit 0
//   npm run manager -- once              one full cycle; exit 0 if every task succeeded, 1 if one
//                                        failed, 3 if another manager held the lock
//   npm run manager -- ingest <file…|->  ingest log lines (files resume from committed offsets);
//                                        prints {"read","inserted","malformed","outOfRange"}
//   npm run manager -- status            the last run of each task and the current vault version
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
import { addSummary, emptySummary, ingestFile, ingestStream } from "./ingest/line-source.ts";
import { startSyslogListener } from "./ingest/syslog.ts";
import { startManagerSchedule } from "./schedule.ts";
import { managerTasks } from "./tasks/index.ts";

const USAGE = "usage: npm run manager [-- once | status | ingest <file…|->]";

async function isMigrated(database: Awaited<ReturnType<typeof openDatabase>>): Promise<boolean> {
  const [row] = await queryRows<{ table: string | null }>(
    database.db,
    sql`select to_regclass('public.worker_runs')::text as table`,
  );
  return Boolean(row?.table);
}

async function main(argv: string[]): Promise<number> {
  const [command = "daemon", ...args] = argv;
  if (!["daemon", "once", "status", "ingest"].includes(command)) {
    console.error(USAGE);
    return 2;
  }
  if (command === "ingest" && args.length === 0) {
    console.error(USAGE);
    return 2;
  }
  const env = loadEnv();
  assertSupportedNetwork(env);
  const logger = createLogger({ level: env.logLevel, name: "suiftly-manager" });
  const database = await openDatabase({
    url: env.databaseUrl,
    dataDir: env.dataDir,
    poolMax: 6,
    applicationName: "suiftly-manager",
  });
  try {
    if (command === "status") {
      if (!(await isMigrated(database))) {
        console.error(
          "The database has no Suiftly schema yet: run `npm run db:migrate` (or start the manager once).",
        );
        return 1;
      }
      const runs = await queryRows(
        database.db,
        sql`select distinct on (task) task, status, started_at, duration_ms, detail, error
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
    const now = () => systemClock.now();

    if (command === "ingest") {
      let summary = emptySummary();
      for (const source of args) {
        summary = addSummary(
          summary,
          source === "-"
            ? await ingestStream(database, process.stdin, "stdin", { now, logger })
            : await ingestFile(database, source, { now, logger }),
        );
      }
      console.log(JSON.stringify(summary));
      return 0;
    }

    const gateway = createSuiGateway(env, database.db, systemClock);
    const deps = { db: database.db, database, env, clock: systemClock, gateway, logger };
    if (command === "once") {
      const result = await runCycle(deps, managerTasks());
      console.log(JSON.stringify(result));
      return result.status === "ok" ? 0 : result.status === "skipped" ? 3 : 1;
    }

    const syslog =
      env.ingestSyslogPort === undefined
        ? undefined
        : await startSyslogListener({
            handle: database,
            port: env.ingestSyslogPort,
            host: env.ingestSyslogHost,
            logger,
            now,
          });
    const schedule = startManagerSchedule(deps, { cron: env.managerCron, runAtStart: true });
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        logger.info({ signal }, "manager stopping: finishing the current task");
        resolve();
      };
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
    });
    await schedule.stop(30_000);
    await syslog?.close();
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
