// Test databases on a real PostgreSQL. `npm test` finds the server at TEST_DATABASE_URL (an admin
// connection, default postgres://postgres@127.0.0.1:5432/postgres) and only ever creates, uses
// and drops databases whose names start with `suiftly_test_`: it never touches any other.
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";

export const TEST_DB_PREFIX = "suiftly_test_";
const TEMPLATE_PREFIX = `${TEST_DB_PREFIX}tpl_`;
const FILE_DB_PREFIX = `${TEST_DB_PREFIX}f_`;
const STALE_AFTER_SECONDS = 2 * 3600;

export function adminUrl(): string {
  return process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
}

export function databaseUrl(name: string): string {
  assertTestDatabaseName(name);
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

export function assertTestDatabaseName(name: string): void {
  if (!name.startsWith(TEST_DB_PREFIX) || !/^[a-z0-9_]+$/.test(name)) {
    throw new Error(`Refusing to touch database "${name}": tests only use ${TEST_DB_PREFIX}* databases`);
  }
}

export async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl(), connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `Cannot reach PostgreSQL at ${adminUrl()} (set TEST_DATABASE_URL). ${(error as Error).message}`,
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The template's name changes whenever a migration changes, so a stale template is never used. */
export function templateDatabaseName(migrationsFolder: string): string {
  const hash = createHash("sha256");
  const files = readdirSync(migrationsFolder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
  for (const file of files) {
    hash.update(path.relative(migrationsFolder, file));
    hash.update(readFileSync(file));
  }
  return `${TEMPLATE_PREFIX}${hash.digest("hex").slice(0, 16)}`;
}

export async function databaseExists(client: pg.Client, name: string): Promise<boolean> {
  const result = await client.query("select 1 from pg_database where datname = $1", [name]);
  return (result.rowCount ?? 0) > 0;
}

export async function dropDatabase(client: pg.Client, name: string): Promise<void> {
  assertTestDatabaseName(name);
  await client.query(`drop database if exists "${name}" with (force)`);
}

/** Per-file databases left behind by a crashed run are dropped once they are old enough. */
export async function dropStaleTestDatabases(client: pg.Client): Promise<string[]> {
  const result = await client.query<{ datname: string }>(
    "select datname from pg_database where datname like $1",
    [`${FILE_DB_PREFIX}%`],
  );
  const now = Math.floor(Date.now() / 1000);
  const dropped: string[] = [];
  for (const { datname } of result.rows) {
    const created = Number(datname.slice(FILE_DB_PREFIX.length).split("_")[0]);
    if (Number.isFinite(created) && now - created > STALE_AFTER_SECONDS) {
      await dropDatabase(client, datname);
      dropped.push(datname);
    }
  }
  return dropped;
}

export function newFileDatabaseName(): string {
  return `${FILE_DB_PREFIX}${Math.floor(Date.now() / 1000)}_${randomBytes(5).toString("hex")}`;
}

/** CREATE DATABASE … TEMPLATE, retrying while another session briefly holds the template. */
export async function cloneDatabase(template: string, name: string): Promise<void> {
  assertTestDatabaseName(template);
  assertTestDatabaseName(name);
  await withAdmin(async (client) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`create database "${name}" template "${template}"`);
        return;
      } catch (error) {
        const busy = /being accessed by other users/.test((error as Error).message);
        if (!busy || attempt >= 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
      }
    }
  });
}
