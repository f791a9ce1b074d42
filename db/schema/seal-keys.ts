import { sql } from "drizzle-orm";
import { bigint, check, index, integer, pgSequence, pgTable, text, unique, uuid } from "drizzle-orm/pg-core";
import { createdAt, utc } from "./columns.ts";
import { customers } from "./customers.ts";
import { serviceInstances } from "./service-instances.ts";

/** Derivation indexes come from a sequence so they are never reused, even after deletion. */
export const sealKeyDerivationIndexSeq = pgSequence("seal_key_derivation_index_seq", {
  startWith: 1,
  minValue: 1,
});

export const SEAL_KEY_STATES = ["registering", "registered", "updating", "revoked"] as const;
export type SealKeyState = (typeof SEAL_KEY_STATES)[number];

export const sealKeys = pgTable(
  "seal_keys",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    customerId: integer()
      .notNull()
      .references(() => customers.customerId),
    serviceInstanceId: bigint({ mode: "number" })
      .notNull()
      .references(() => serviceInstances.id, { onDelete: "cascade" }),
    name: text().notNull(),
    derivationIndex: bigint({ mode: "number" })
      .notNull()
      .unique("seal_keys_derivation_index_unique")
      .default(sql`nextval('seal_key_derivation_index_seq')`),
    state: text({ enum: SEAL_KEY_STATES }).notNull().default("registering"),
    publicKey: text(),
    objectId: text(),
    registrationAttempts: integer().notNull().default(0),
    nextAttemptAt: utc(),
    lastError: text(),
    /** The form submission that created it: a double submit creates one, not two. */
    creationRequestId: uuid(),
    createdAt: createdAt(),
    updatedAt: createdAt(),
    revokedAt: utc(),
  },
  (t) => [
    unique("seal_keys_creation_request").on(t.customerId, t.creationRequestId),
    index("seal_keys_customer_idx").on(t.customerId),
    check("seal_keys_state_valid", sql`${t.state} in ('registering', 'registered', 'updating', 'revoked')`),
    check("seal_keys_name_len", sql`char_length(${t.name}) between 1 and 64`),
  ],
);
