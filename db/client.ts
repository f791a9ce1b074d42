// The one way to open the database: PostgreSQL when a URL is given, embedded PGlite otherwise.
// Both speak the same SQL and run the same migrations; callers only see `Database`.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { ExtractTablesWithRelations, SQL } from "drizzle-orm";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import pg from "pg";
import { lockEmbeddedDatabase } from "./pglite-lock.ts";
import * as schema from "./schema/index.ts";

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Anything that can run a query: the database itself or an open transaction. */
export type Queryable = Database | Transaction;

export type DatabaseKind = "postgres" | "pglite";

export interface DatabaseHandle {
  db: Database;
  kind: DatabaseKind;
  /** For PostgreSQL, the node-postgres pool (needed for COPY and advisory-lock sessions). */
  pool?: pg.Pool;
  /** For PGlite, the embedded instance. */
  pglite?: PGlite;
  /** Human-readable location, never containing a password. */
  describe: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL connection string; unset means embedded PGlite in `dataDir`. */
  url?: string | undefined;
  /** Data directory for embedded mode (the PGlite files go in `<dataDir>/pglite`). */
  dataDir?: string;
  poolMax?: number;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  if (options.url) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolMax ?? 10,
      application_name: options.applicationName ?? "suiftly",
      // Every session works in UTC regardless of the server's default (spec: time is UTC).
      options: "-c TimeZone=UTC",
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
    });
    // A dropped idle connection must not crash the process; the pool replaces it.
    pool.on("error", () => {});
    const db = drizzleNodePg({ client: pool, schema, casing: "snake_case" }) as unknown as Database;
    let closed = false;
    return {
      db,
      kind: "postgres",
      pool,
      describe: redactUrl(options.url),
      async close() {
        if (closed) return;
        closed = true;
        await pool.end();
      },
    };
  }

  const root = path.resolve(options.dataDir ?? "./data");
  const dataDir = path.join(root, "pglite");
  // One process per data directory (see pglite-lock.ts); PGlite does not create parent folders.
  const unlock = lockEmbeddedDatabase(root);
  let pglite: PGlite;
  try {
    mkdirSync(dataDir, { recursive: true });
    pglite = await PGlite.create(dataDir);
    await pglite.exec("SET TIME ZONE 'UTC'");
  } catch (error) {
    unlock();
    throw error;
  }
  const db = drizzlePglite({ client: pglite, schema, casing: "snake_case" }) as unknown as Database;
  let closed = false;
  return {
    db,
    kind: "pglite",
    pglite,
    describe: `pglite:${dataDir}`,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await pglite.close();
      } finally {
        unlock();
      }
    },
  };
}

/** Run raw SQL and return its rows, whichever driver is underneath. */
export async function queryRows<T extends Record<string, unknown>>(db: Queryable, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "postgres://(unparseable url)";
  }
}
