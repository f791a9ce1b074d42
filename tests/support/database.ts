// Each test file gets its own database, cloned from the migrated template, so files run in
// parallel and never share state. Dropped when the file finishes.
import { afterAll, beforeAll, inject } from "vitest";
import { type DatabaseHandle, openDatabase } from "#db/client.ts";
import { cloneDatabase, databaseUrl, dropDatabase, newFileDatabaseName, withAdmin } from "./postgres.ts";

export interface TestDatabase {
  name: string;
  url: string;
  handle: DatabaseHandle;
}

export async function createTestDatabase(): Promise<TestDatabase & { drop(): Promise<void> }> {
  const name = newFileDatabaseName();
  await cloneDatabase(inject("templateDatabase"), name);
  const url = databaseUrl(name);
  const handle = await openDatabase({ url, poolMax: 10, applicationName: "suiftly-test" });
  return {
    name,
    url,
    handle,
    async drop() {
      await handle.close();
      await withAdmin((client) => dropDatabase(client, name));
    },
  };
}

/** Register a per-file database; read `.current` inside tests and hooks. */
export function withTestDatabase(): { readonly current: TestDatabase } {
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });
  return {
    get current() {
      if (!database) throw new Error("test database is not ready (use it inside tests or hooks)");
      return database;
    },
  };
}
