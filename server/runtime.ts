// Everything a running Suiftly process needs besides HTTP: settings, logger, database
// (opened, migrated, seeded) and, when the manager runs in-process, its schedule.
import { type Clock, systemClock } from "#app/domain/clock.ts";
import { usageDataVersion } from "#app/domain/usage-stats.server.ts";
import { CustomerCache } from "#app/lib/cache.server.ts";
import type { Env } from "#app/lib/env.server.ts";
import { assertSupportedNetwork, createSuiGateway } from "#app/lib/gateway.server.ts";
import { createLogger, type Logger } from "#app/lib/logger.server.ts";
import { PageCache } from "#app/lib/page-cache.server.ts";
import type { AppServices } from "#app/lib/services.server.ts";
import { type DatabaseHandle, openDatabase } from "#db/client.ts";
import { migrateDatabase } from "#db/migrate.ts";
import { seedDatabase } from "#db/seed.ts";
import { startSyslogListener } from "#manager/ingest/syslog.ts";
import { type ManagerSchedule, startManagerSchedule } from "#manager/schedule.ts";

export interface Runtime {
  services: AppServices;
  schedule: ManagerSchedule | undefined;
  /** Stop the schedule (letting its current task finish) and close what this runtime opened. */
  stop(): Promise<void>;
}

export interface StartRuntimeOptions {
  env: Env;
  logger?: Logger;
  clock?: Clock;
  /** Use this database instead of opening one from the settings (tests). Not closed by stop(). */
  database?: DatabaseHandle;
  migrationsFolder?: string;
  /** Run migrations and the idempotent seed before serving (default true). */
  prepareDatabase?: boolean;
  /** Override env.managerInProcess (tests usually drive the manager themselves). */
  managerInProcess?: boolean;
}

export async function startRuntime(options: StartRuntimeOptions): Promise<Runtime> {
  const { env } = options;
  const logger = options.logger ?? createLogger({ level: env.logLevel });
  const clock = options.clock ?? systemClock;
  // Refuse an unsupported chain before touching the database.
  assertSupportedNetwork(env);
  const ownsDatabase = !options.database;
  const database =
    options.database ??
    (await openDatabase({
      url: env.databaseUrl,
      dataDir: env.dataDir,
      poolMax: env.databasePoolMax,
    }));

  try {
    if (options.prepareDatabase ?? true) {
      const started = performance.now();
      await migrateDatabase(database, options.migrationsFolder);
      const seed = await seedDatabase(database.db, clock);
      logger.info(
        {
          database: database.describe,
          ms: Math.round(performance.now() - started),
          partitionsCreated: seed.partitionsCreated.length,
        },
        "database migrated and seeded",
      );
    }
  } catch (error) {
    if (ownsDatabase) await database.close();
    throw error;
  }

  const gateway = createSuiGateway(env, database.db, clock);
  const services: AppServices = {
    env,
    database,
    db: database.db,
    logger,
    clock,
    gateway,
    cache: new CustomerCache({ version: () => usageDataVersion(database.db) }),
    ...(env.pageCacheBytes > 0 ? { pages: new PageCache({ maxBytes: env.pageCacheBytes }) } : {}),
  };
  const schedule =
    (options.managerInProcess ?? env.managerInProcess)
      ? startManagerSchedule(
          { db: database.db, database, env, clock, gateway, logger: logger.child({ component: "manager" }) },
          { cron: env.managerCron, runAtStart: true },
        )
      : undefined;

  // With the manager in-process (embedded mode) the syslog receiver runs here too.
  const syslog =
    schedule && env.ingestSyslogPort !== undefined
      ? await startSyslogListener({
          handle: database,
          port: env.ingestSyslogPort,
          host: env.ingestSyslogHost,
          logger: logger.child({ component: "syslog" }),
          now: () => clock.now(),
        })
      : undefined;

  let stopped: Promise<void> | undefined;
  return {
    services,
    schedule,
    stop() {
      stopped ??= (async () => {
        await schedule?.stop();
        await syslog?.close();
        if (ownsDatabase) await database.close();
      })();
      return stopped;
    },
  };
}
