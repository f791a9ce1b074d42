// Reading the activity log newest first, with a (created_at, id) cursor: no OFFSET, stable pages.
import { and, desc, eq, sql } from "drizzle-orm";
import type { Queryable } from "#db/client.ts";
import { type ActivityKind, activityLog } from "#db/schema/index.ts";

export { ACTIVITY_KIND_LABELS, isActivityKind } from "./activity-kinds.ts";

export const ACTIVITY_PAGE_SIZE = 20;

export interface ActivityCursor {
  createdAt: Date;
  id: number;
}

export function encodeCursor(cursor: ActivityCursor): string {
  return `${cursor.createdAt.toISOString()}_${cursor.id}`;
}

export function decodeCursor(value: string): ActivityCursor | null {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)_(\d{1,15})$/.exec(value);
  if (!match?.[1] || !match[2]) return null;
  const createdAt = new Date(match[1]);
  return Number.isNaN(createdAt.getTime()) ? null : { createdAt, id: Number(match[2]) };
}

export async function activityPage(
  db: Queryable,
  customerId: number,
  options: { kind?: ActivityKind | undefined; before?: ActivityCursor | undefined; limit?: number },
) {
  const limit = options.limit ?? ACTIVITY_PAGE_SIZE;
  const rows = await db
    .select()
    .from(activityLog)
    .where(
      and(
        eq(activityLog.customerId, customerId),
        options.kind ? eq(activityLog.kind, options.kind) : undefined,
        options.before
          ? sql`(${activityLog.createdAt}, ${activityLog.id}) < (${options.before.createdAt}, ${options.before.id})`
          : undefined,
      ),
    )
    .orderBy(desc(activityLog.createdAt), desc(activityLog.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    entries: page,
    next: rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
  };
}
