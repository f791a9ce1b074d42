// One manager cycle at a time, across processes (spec §7). PostgreSQL: a session-level advisory
// lock held on a dedicated connection for the whole cycle. PGlite has a single session in a
// single process (advisory locks do not exclude there), so an in-process flag is the lock.
import type { PoolClient } from "pg";
import type { DatabaseHandle } from "#db/client.ts";

/** Arbitrary constant shared by every Suiftly manager: "SFTYMGR1" as a 63-bit integer. */
export const MANAGER_LOCK_KEY = 0x5346_5459_4d47_52n;

export interface CycleLock {
  tryAcquire(): Promise<boolean>;
  release(): Promise<void>;
}

const embeddedLocks = new WeakSet<object>();

export function createCycleLock(handle: DatabaseHandle): CycleLock {
  if (handle.kind === "pglite" || !handle.pool) {
    const owner = handle.pglite ?? handle;
    let held = false;
    return {
      async tryAcquire() {
        if (embeddedLocks.has(owner)) return false;
        embeddedLocks.add(owner);
        held = true;
        return true;
      },
      async release() {
        if (held) embeddedLocks.delete(owner);
        held = false;
      },
    };
  }

  const pool = handle.pool;
  let client: PoolClient | undefined;
  return {
    async tryAcquire() {
      const connection = await pool.connect();
      try {
        const result = await connection.query<{ locked: boolean }>(
          "select pg_try_advisory_lock($1) as locked",
          [MANAGER_LOCK_KEY.toString()],
        );
        if (result.rows[0]?.locked) {
          client = connection;
          return true;
        }
      } catch (error) {
        connection.release(true);
        throw error;
      }
      connection.release();
      return false;
    },
    async release() {
      if (!client) return;
      const connection = client;
      client = undefined;
      try {
        await connection.query("select pg_advisory_unlock($1)", [MANAGER_LOCK_KEY.toString()]);
        connection.release();
      } catch {
        // Destroying the connection ends the session, which releases the lock too.
        connection.release(true);
      }
    },
  };
}
