// Baseline data every database needs, applied on every start: idempotent by construction.
// (Customers are never seeded: they come from real wallet sign-ins.)
import { type Clock, systemClock } from "#app/domain/clock.ts";
import type { Queryable } from "./client.ts";
import { ensureLogPartitions } from "./partitions.ts";

const DAY_MS = 86_400_000;
/** Log partitions kept ready ahead of today (spec §7 cleanup: "the next 7 days"). */
export const PARTITION_DAYS_AHEAD = 7;

export interface SeedResult {
  partitionsCreated: string[];
}

export async function seedDatabase(db: Queryable, clock: Clock = systemClock): Promise<SeedResult> {
  const now = clock.now();
  // Yesterday too: lines from just before midnight can still be in flight.
  const partitionsCreated = await ensureLogPartitions(
    db,
    new Date(now.getTime() - DAY_MS),
    new Date(now.getTime() + PARTITION_DAYS_AHEAD * DAY_MS),
  );
  return { partitionsCreated };
}
