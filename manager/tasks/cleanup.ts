// Cleanup (spec §7.7): keep the next days' log partitions ready, drop those past retention,
// purge expired sign-in nonces, sessions and rate-limit counters. Every step is idempotent.
import { lt } from "drizzle-orm";
import { dropExpiredLogPartitions } from "#db/partitions.ts";
import { authNonces, rateLimitBuckets, sessions } from "#db/schema/index.ts";
import { seedDatabase } from "#db/seed.ts";
import type { ManagerTask } from "../cycle.ts";

/** Expired rows are kept a day for troubleshooting, then purged. */
const PURGE_GRACE_MS = 86_400_000;

export const cleanupTask: ManagerTask = {
  name: "cleanup",
  async run({ db, clock }) {
    const now = clock.now();
    const { partitionsCreated } = await seedDatabase(db, clock);
    const partitionsDropped = await dropExpiredLogPartitions(db, now);
    const purgeBefore = new Date(now.getTime() - PURGE_GRACE_MS);
    const nonces = await db
      .delete(authNonces)
      .where(lt(authNonces.expiresAt, purgeBefore))
      .returning({ nonce: authNonces.nonce });
    const expiredSessions = await db
      .delete(sessions)
      .where(lt(sessions.expiresAt, purgeBefore))
      .returning({ id: sessions.id });
    const buckets = await db
      .delete(rateLimitBuckets)
      .where(lt(rateLimitBuckets.expire, purgeBefore))
      .returning({ key: rateLimitBuckets.key });
    return {
      partitionsCreated: partitionsCreated.length,
      partitionsDropped: partitionsDropped.length,
      noncesPurged: nonces.length,
      sessionsPurged: expiredSessions.length,
      rateLimitBucketsPurged: buckets.length,
    };
  },
};
