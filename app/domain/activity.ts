// The customer-visible activity log (spec §3): who (wallet, IP) did what, when.
import type { Queryable } from "#db/client.ts";
import { type ActivityKind, activityLog } from "#db/schema/index.ts";

export interface ActivityEntry {
  customerId: number;
  kind: ActivityKind;
  /** Machine-readable action, e.g. `auth.sign_in`. */
  action: string;
  summary: string;
  details?: Record<string, unknown>;
  /** The acting wallet; omit for actions taken by the system. */
  actorAddress?: string | null;
  ip?: string | null;
  at?: Date;
}

export async function recordActivity(db: Queryable, entry: ActivityEntry): Promise<void> {
  await db.insert(activityLog).values({
    customerId: entry.customerId,
    kind: entry.kind,
    action: entry.action,
    summary: entry.summary,
    details: entry.details ?? null,
    actorAddress: entry.actorAddress ?? null,
    ip: entry.ip ?? null,
    ...(entry.at ? { createdAt: entry.at } : {}),
  });
}
