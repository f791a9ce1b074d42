// Value lists that columns are constrained to, kept free of imports so browser code (filter
// forms, labels) can use them without pulling the ORM into the client bundle.

export const SERVICE_TYPES = ["seal", "grpc", "graphql"] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

/** What the edge decided for a request (HAProxy log format v1, spec §7). */
export const LOG_OUTCOMES = ["ok", "denied", "ratelimited", "ipblocked", "unauthorized", "error"] as const;
export type LogOutcome = (typeof LOG_OUTCOMES)[number];

/** What an activity-log entry is about (spec §3 Activity log). */
export const ACTIVITY_KINDS = [
  "auth",
  "service",
  "api_key",
  "seal_key",
  "package",
  "billing",
  "deposit",
  "withdraw",
  "charge",
  "account",
] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];
