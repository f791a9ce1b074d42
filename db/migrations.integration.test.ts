// The same migrations produce the same schema on PostgreSQL 15 and on embedded PGlite.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { withTestDatabase } from "#tests/support/database.ts";
import { openDatabase, type Queryable, queryRows } from "./client.ts";
import { migrateDatabase } from "./migrate.ts";

const postgres = withTestDatabase();
const dataDir = mkdtempSync(path.join(tmpdir(), "suiftly-pglite-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function describeSchema(db: Queryable) {
  const columns = await queryRows(
    db,
    sql`select table_name, column_name, data_type, is_nullable, column_default
          from information_schema.columns where table_schema = 'public'
           and table_name not like 'haproxy_logs_p%'
         order by table_name, column_name`,
  );
  const constraints = await queryRows(
    db,
    sql`select conrelid::regclass::text as table_name, conname, contype, pg_get_constraintdef(oid) as definition
          from pg_constraint where connamespace = 'public'::regnamespace
           and conrelid::regclass::text not like 'haproxy_logs_p%'
           -- PostgreSQL 18 (PGlite) also lists NOT NULL here; nullability is compared above.
           and contype <> 'n'
         order by 1, 2`,
  );
  const indexes = await queryRows(
    db,
    sql`select tablename, indexname, indexdef from pg_indexes where schemaname = 'public'
          and tablename not like 'haproxy_logs_p%' order by 1, 2`,
  );
  const partitioned = await queryRows(
    db,
    sql`select c.relname, pg_get_partkeydef(c.oid) as key from pg_partitioned_table p
          join pg_class c on c.oid = p.partrelid order by 1`,
  );
  return { columns, constraints, indexes, partitioned };
}

describe("migrations", () => {
  it("build an identical schema on PostgreSQL and PGlite", async () => {
    const pglite = await openDatabase({ dataDir });
    try {
      await migrateDatabase(pglite);
      const [onPostgres, onPglite] = await Promise.all([
        describeSchema(postgres.current.handle.db),
        describeSchema(pglite.db),
      ]);
      expect(onPostgres.columns.length).toBeGreaterThan(100);
      expect(onPostgres.partitioned).toEqual([{ relname: "haproxy_logs", key: "RANGE (ts)" }]);
      expect(onPglite).toEqual(onPostgres);
    } finally {
      await pglite.close();
    }
  });

  it("are idempotent: applying them again changes nothing", async () => {
    const before = await describeSchema(postgres.current.handle.db);
    await migrateDatabase(postgres.current.handle);
    expect(await describeSchema(postgres.current.handle.db)).toEqual(before);
  });

  it("refuse a second process on the same embedded data directory", async () => {
    const first = await openDatabase({ dataDir });
    try {
      // Simulate another live process holding the lock by pointing it at our parent's pid.
      const { writeFileSync } = await import("node:fs");
      writeFileSync(path.join(dataDir, "pglite.lock"), String(process.ppid));
      await expect(openDatabase({ dataDir })).rejects.toThrow(/in use by process/);
      writeFileSync(path.join(dataDir, "pglite.lock"), String(process.pid));
    } finally {
      await first.close();
    }
  });
});
