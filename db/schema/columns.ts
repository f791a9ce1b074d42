// Shared column helpers so every table spells money, time and identity the same way.
import { bigint, timestamp } from "drizzle-orm/pg-core";

/** Money is always integer cents in a bigint (spec §2.6). JS numbers hold cents exactly up to 2^53. */
export const cents = (name?: string) =>
  name ? bigint(name, { mode: "number" }) : bigint({ mode: "number" });

/** Every timestamp is UTC (`timestamptz`), surfaced as a JS Date. */
export const utc = (name?: string) =>
  name
    ? timestamp(name, { withTimezone: true, mode: "date" })
    : timestamp({ withTimezone: true, mode: "date" });

export const createdAt = () => utc().notNull().defaultNow();

/** Regular-expression fragments reused by CHECK constraints. */
export const SUI_ADDRESS_PATTERN = "^0x[0-9a-f]{64}$";
export const SHA256_HEX_PATTERN = "^[0-9a-f]{64}$";

export { SERVICE_TYPES, type ServiceType } from "./values.ts";
