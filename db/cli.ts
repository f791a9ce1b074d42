// Database commands (npm run db:*). Runs from source on Node's built-in TypeScript support.
//   migrate            apply migrations to DATABASE_URL, or to the embedded database in DATA_DIR
//   seed               apply the idempotent baseline (log partitions)
//   reset              drop everything and migrate + seed again (dev/test databases only)
//   check              fail when the schema changed without a generated migration
//   kit <args…>        run drizzle-kit (push, studio) against the configured database
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { loadEnv } from "#app/lib/env.server.ts";
import { type DatabaseHandle, openDatabase } from "./client.ts";
import { defaultMigrationsFolder, migrateDatabase } from "./migrate.ts";
import { assertEmbeddedDatabaseFree } from "./pglite-lock.ts";
import { seedDatabase } from "./seed.ts";

const root = path.resolve(import.meta.dirname, "..");
const drizzleKit = path.join(root, "node_modules", ".bin", "drizzle-kit");

/** A database that may be wiped: embedded, or a PostgreSQL database named for dev or test. */
export function isDisposableDatabase(url: string | undefined): boolean {
  if (!url) return true;
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  return /(^|[_-])(dev|development|test|tests|local)([_-]|$)/i.test(name);
}

async function withDatabase<T>(fn: (handle: DatabaseHandle) => Promise<T>): Promise<T> {
  const env = loadEnv();
  const handle = await openDatabase({ url: env.databaseUrl, dataDir: env.dataDir, poolMax: 2 });
  try {
    return await fn(handle);
  } finally {
    await handle.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "migrate":
      await withDatabase(async (handle) => {
        await migrateDatabase(handle);
        console.log(`migrated ${handle.describe}`);
      });
      return 0;
    case "seed":
      await withDatabase(async (handle) => {
        const result = await seedDatabase(handle.db);
        console.log(`seeded ${handle.describe}: ${result.partitionsCreated.length} log partitions created`);
      });
      return 0;
    case "reset": {
      const env = loadEnv();
      if (env.isProduction || !isDisposableDatabase(env.databaseUrl)) {
        console.error(
          "db:reset refuses: only the embedded database or a PostgreSQL database whose name says dev/test " +
            "(e.g. suiftly_dev, suiftly_test) can be reset, and never with APP_ENV=production.",
        );
        return 2;
      }
      await withDatabase(async (handle) => {
        await handle.db.execute(sql`drop schema if exists drizzle cascade`);
        await handle.db.execute(sql`drop schema public cascade`);
        await handle.db.execute(sql`create schema public`);
        await migrateDatabase(handle);
        await seedDatabase(handle.db);
        console.log(`reset ${handle.describe}`);
      });
      return 0;
    }
    case "check":
      return checkMigrations();
    case "kit": {
      const env = loadEnv();
      if (!env.databaseUrl) assertEmbeddedDatabaseFree(env.dataDir);
      const result = spawnSync(drizzleKit, rest, {
        cwd: root,
        stdio: "inherit",
        env: { ...process.env, DATA_DIR: env.dataDir },
      });
      return result.status ?? 1;
    }
    default:
      console.error("usage: node db/cli.ts migrate|seed|reset|check|kit <drizzle-kit args>");
      return 2;
  }
}

/**
 * Generate migrations from the schema into a scratch copy of db/migrations: if drizzle-kit
 * writes anything new, the schema changed without a committed migration.
 */
function checkMigrations(): number {
  const folder = defaultMigrationsFolder();
  // drizzle-kit resolves `out` relative to the project, so the scratch copy lives inside it.
  const cacheDir = path.join(root, "node_modules", ".cache");
  mkdirSync(cacheDir, { recursive: true });
  const scratch = mkdtempSync(path.join(cacheDir, "migration-check-"));
  try {
    cpSync(folder, scratch, { recursive: true });
    const before = new Set(readdirSync(scratch));
    const generated = spawnSync(drizzleKit, ["generate", "--name", "drift_check"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, DRIZZLE_OUT: path.relative(root, scratch) },
    });
    const output = `${generated.stdout}${generated.stderr}`;
    // drizzle-kit can print an error and still exit 0: require one of its two verdicts.
    if (generated.status !== 0 || !/No schema changes|Your SQL migration file/.test(output)) {
      console.error(generated.stdout, generated.stderr);
      console.error("db:check: drizzle-kit generate failed");
      return 1;
    }
    const added = readdirSync(scratch).filter((file) => !before.has(file) && file.endsWith(".sql"));
    if (added.length > 0) {
      console.error(
        "db:check: the schema in db/schema changed but no migration was generated. " +
          "Run `npm run db:generate` and commit the new file in db/migrations.",
      );
      return 1;
    }
    const consistency = spawnSync(drizzleKit, ["check"], { cwd: root, encoding: "utf8" });
    if (consistency.status !== 0) {
      console.error(consistency.stdout, consistency.stderr);
      return 1;
    }
    console.log("db:check: migrations match the schema");
    return 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
