import { sql } from "drizzle-orm";
import { bigint, check, integer, pgTable, text, unique, uuid } from "drizzle-orm/pg-core";
import { createdAt, SUI_ADDRESS_PATTERN } from "./columns.ts";
import { customers } from "./customers.ts";
import { sealKeys } from "./seal-keys.ts";

/** A Sui package allowed to use a Seal key (spec §3 Keys). */
export const sealPackages = pgTable(
  "seal_packages",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    customerId: integer()
      .notNull()
      .references(() => customers.customerId),
    sealKeyId: bigint({ mode: "number" })
      .notNull()
      .references(() => sealKeys.id, { onDelete: "cascade" }),
    packageId: text().notNull(),
    name: text(),
    /** The form submission that created it: a double submit creates one, not two. */
    creationRequestId: uuid(),
    createdAt: createdAt(),
  },
  (t) => [
    unique("seal_packages_creation_request").on(t.customerId, t.creationRequestId),
    unique("seal_packages_key_package").on(t.sealKeyId, t.packageId),
    check("seal_packages_id_format", sql`${t.packageId} ~ '${sql.raw(SUI_ADDRESS_PATTERN)}'`),
    check("seal_packages_name_len", sql`${t.name} is null or char_length(${t.name}) <= 64`),
  ],
);
