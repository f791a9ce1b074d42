// Serialize the changes a customer makes (keys, configuration, fee-raising updates) across app
// instances without holding a transaction open: a session-level advisory lock on a dedicated
// connection (PostgreSQL), or an in-process queue (embedded PGlite, one process by construction).
// The billing core's own short transactions run on other connections meanwhile, so the chain
// call in the middle holds no row lock.
import type { DatabaseHandle } from "./client.ts";

/** Namespace of per-customer advisory locks ("SF"); the manager's cycle lock uses the bigint form. */
const LOCK_CLASS = 0x5346;
const WAIT_TIMEOUT_MS = 15_000;

const queues = new Map<string, Promise<unknown>>();

export class CustomerBusyError extends Error {
  constructor() {
    super("Another change to this account is still in progress. Try again in a moment.");
    this.name = "CustomerBusyError";
  }
}

export async function withCustomerLock<T>(
  handle: DatabaseHandle,
  customerId: number,
  fn: () => Promise<T>,
): Promise<T> {
  if (!handle.pool) {
    const key = `${handle.describe}:${customerId}`;
    const previous = queues.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(fn);
    const tail = run.catch(() => undefined);
    queues.set(key, tail);
    try {
      return await run;
    } finally {
      if (queues.get(key) === tail) queues.delete(key);
    }
  }

  const client = await handle.pool.connect();
  let locked = false;
  try {
    await client.query(`set lock_timeout = ${WAIT_TIMEOUT_MS}`);
    try {
      await client.query("select pg_advisory_lock($1, $2)", [LOCK_CLASS, customerId]);
    } catch (error) {
      if ((error as { code?: string }).code === "55P03") throw new CustomerBusyError();
      throw error;
    }
    locked = true;
    return await fn();
  } finally {
    if (locked) {
      try {
        await client.query("select pg_advisory_unlock($1, $2)", [LOCK_CLASS, customerId]);
        await client.query("reset lock_timeout");
        client.release();
      } catch {
        client.release(true);
      }
    } else {
      client.release(true);
    }
  }
}
