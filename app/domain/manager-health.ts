// Is the manager keeping up? (spec §7: /health/manager is 503 when no cycle succeeded in 15
// minutes, or the vault was last confirmed current longer ago than that.)
import { sql } from "drizzle-orm";
import { type Queryable, queryRows } from "#db/client.ts";

export const MANAGER_STALE_AFTER_MS = 15 * 60_000;

export interface ManagerHealth {
  ok: boolean;
  reasons: string[];
  lastSuccessfulCycleAt: string | null;
  lastVaultCheckAt: string | null;
  vault: { seq: number; contentHash: string; createdAt: string } | null;
}

export async function managerHealth(db: Queryable, now: Date): Promise<ManagerHealth> {
  const [cycle] = await queryRows<{ finished: string }>(
    db,
    sql`select max(finished_at)::text as finished from (
          select cycle_id, max(finished_at) as finished_at from worker_runs
           group by cycle_id having bool_and(status = 'ok') and count(*) > 1
        ) cycles`,
  );
  const [vaultRun] = await queryRows<{ finished: string }>(
    db,
    sql`select max(finished_at)::text as finished from worker_runs where task = 'vault' and status = 'ok'`,
  );
  const [vault] = await queryRows<{ seq: string; content_hash: string; created_at: string }>(
    db,
    sql`select seq, content_hash, created_at::text from vault_versions order by seq desc limit 1`,
  );
  const reasons: string[] = [];
  const age = (text: string | null | undefined) =>
    text ? now.getTime() - new Date(text).getTime() : Number.POSITIVE_INFINITY;
  if (age(cycle?.finished) > MANAGER_STALE_AFTER_MS) {
    reasons.push(
      cycle?.finished
        ? "no successful manager cycle in the last 15 minutes"
        : "no successful manager cycle yet",
    );
  }
  if (age(vaultRun?.finished) > MANAGER_STALE_AFTER_MS) {
    reasons.push(
      vaultRun?.finished
        ? "the vault was not confirmed current in the last 15 minutes"
        : "no vault written yet",
    );
  }
  const iso = (text: string | null | undefined) => (text ? new Date(text).toISOString() : null);
  return {
    ok: reasons.length === 0,
    reasons,
    lastSuccessfulCycleAt: iso(cycle?.finished),
    lastVaultCheckAt: iso(vaultRun?.finished),
    vault: vault
      ? {
          seq: Number(vault.seq),
          contentHash: vault.content_hash,
          createdAt: new Date(vault.created_at).toISOString(),
        }
      : null,
  };
}
