// Vitest global setup for integration tests: one migrated template database (rebuilt only when
// migrations change), stale per-file databases cleaned up, and a fresh server build for the
// tests that talk HTTP to the real app.
import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { openDatabase } from "#db/client.ts";
import { defaultMigrationsFolder, migrateDatabase } from "#db/migrate.ts";
import { seedDatabase } from "#db/seed.ts";
import { buildIfStale } from "../../scripts/build-if-stale.mjs";
import {
  databaseExists,
  databaseUrl,
  dropDatabase,
  dropStaleTestDatabases,
  templateDatabaseName,
  withAdmin,
} from "./postgres.ts";

declare module "vitest" {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

export default async function setup(project: TestProject) {
  const migrationsFolder = defaultMigrationsFolder();
  const template = templateDatabaseName(migrationsFolder);

  await withAdmin(async (client) => {
    await dropStaleTestDatabases(client);
    if (await databaseExists(client, template)) return;
    const building = `${template}_b${randomBytes(3).toString("hex")}`;
    await client.query(`create database "${building}"`);
    try {
      const handle = await openDatabase({ url: databaseUrl(building), poolMax: 2 });
      try {
        await migrateDatabase(handle, migrationsFolder);
        await seedDatabase(handle.db);
      } finally {
        await handle.close();
      }
      await client.query(`alter database "${building}" rename to "${template}"`).catch(async (error) => {
        // Another run built the same template first: use theirs.
        if (!(await databaseExists(client, template))) throw error;
        await dropDatabase(client, building);
      });
    } catch (error) {
      await dropDatabase(client, building);
      throw error;
    }
    // Templates of older migration sets are no longer needed.
    const old = await client.query<{ datname: string }>(
      "select datname from pg_database where datname like 'suiftly_test_tpl_%' and datname <> $1",
      [template],
    );
    for (const { datname } of old.rows) await dropDatabase(client, datname).catch(() => {});
  });

  // HTTP tests import build/server/index.js: make sure it reflects the sources.
  buildIfStale({ quiet: true });
  project.provide("templateDatabase", template);
}
