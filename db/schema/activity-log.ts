import { sql } from "drizzle-orm";
import { bigint, check, index, integer, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt } from "./columns.ts";
import { customers } from "./customers.ts";

import { ACTIVITY_KINDS } from "./values.ts";

export { ACTIVITY_KINDS, type ActivityKind } from "./values.ts";

/** Who (wallet, IP) did what, when: shown to the customer newest first (spec §3). */
export const activityLog = pgTable(
  "activity_log",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    customerId: integer()
      .notNull()
      .references(() => customers.customerId),
    kind: text({ enum: ACTIVITY_KINDS }).notNull(),
    /** Machine-readable action, e.g. `auth.sign_in`, `api_key.create`. */
    action: text().notNull(),
    summary: text().notNull(),
    details: jsonb().$type<Record<string, unknown>>(),
    /** The wallet that acted, or null for the system (manager). */
    actorAddress: text(),
    ip: text(),
    createdAt: createdAt(),
  },
  (t) => [
    index("activity_log_customer_idx").on(t.customerId, t.createdAt.desc(), t.id.desc()),
    check("activity_log_summary_len", sql`char_length(${t.summary}) <= 500`),
  ],
);
