// Seal registrations (spec §7.5): register new Seal keys and re-register keys whose packages
// changed, through the SealRegistrar, with exponential backoff on failure.
// registering → registered; updating → registered.
import { and, asc, eq, inArray, isNull, lte, or, sql } from "drizzle-orm";
import type { SealRegistrar } from "#app/domain/seal-registrar.ts";
import { sealKeys, sealPackages } from "#db/schema/index.ts";
import type { ManagerTask, TaskContext } from "../cycle.ts";

const BACKOFF_BASE_MS = 30_000;
const BACKOFF_MAX_MS = 3_600_000;
const PER_CYCLE = 500;

export function backoffMs(attempts: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
}

export function sealRegistrationsTask(registrar: SealRegistrar): ManagerTask {
  return {
    name: "seal-registrations",
    async run({ db, clock, logger, signal }: TaskContext) {
      const now = clock.now();
      const due = await db
        .select({
          id: sealKeys.id,
          state: sealKeys.state,
          derivationIndex: sealKeys.derivationIndex,
          publicKey: sealKeys.publicKey,
          objectId: sealKeys.objectId,
          registrationAttempts: sealKeys.registrationAttempts,
          // Exact (microsecond) text, to detect a change made while the registrar was called.
          version: sql<string>`${sealKeys.updatedAt}::text`,
        })
        .from(sealKeys)
        .where(
          and(
            inArray(sealKeys.state, ["registering", "updating"]),
            or(isNull(sealKeys.nextAttemptAt), lte(sealKeys.nextAttemptAt, now)),
          ),
        )
        .orderBy(asc(sealKeys.id))
        .limit(PER_CYCLE);
      let registered = 0;
      let failed = 0;
      for (const key of due) {
        if (signal.aborted) break;
        const packages = await db
          .select({ packageId: sealPackages.packageId })
          .from(sealPackages)
          .where(eq(sealPackages.sealKeyId, key.id))
          .orderBy(asc(sealPackages.packageId));
        const packageIds = packages.map((row) => row.packageId);
        try {
          let publicKey = key.publicKey;
          let objectId = key.objectId;
          if (key.state === "registering" || !objectId) {
            ({ publicKey, objectId } = await registrar.register({
              derivationIndex: key.derivationIndex,
              packageIds,
            }));
          } else {
            await registrar.update({ derivationIndex: key.derivationIndex, objectId, packageIds });
          }
          // Only if nothing changed meanwhile (a package added during the call keeps it `updating`).
          const updated = await db
            .update(sealKeys)
            .set({
              state: "registered",
              publicKey,
              objectId,
              registrationAttempts: 0,
              nextAttemptAt: null,
              lastError: null,
              updatedAt: clock.now(),
            })
            .where(
              and(
                eq(sealKeys.id, key.id),
                eq(sealKeys.state, key.state),
                sql`${sealKeys.updatedAt} = ${key.version}::timestamptz`,
              ),
            )
            .returning({ id: sealKeys.id });
          // Zero rows: a package changed during the call; the next run registers the new list.
          if (updated.length > 0) registered++;
        } catch (error) {
          failed++;
          const attempts = key.registrationAttempts + 1;
          const message = error instanceof Error ? error.message : String(error);
          logger.warn(
            { sealKeyId: key.id, attempts, err: error },
            "seal key registration failed; will retry",
          );
          await db
            .update(sealKeys)
            .set({
              registrationAttempts: attempts,
              nextAttemptAt: new Date(clock.now().getTime() + backoffMs(attempts)),
              lastError: message.slice(0, 500),
            })
            .where(eq(sealKeys.id, key.id));
        }
      }
      return { due: due.length, registered, failed };
    },
  };
}
