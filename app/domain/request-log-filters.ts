// The request-log filter form (spec §4 Logs tab): one zod schema shared by the loader, which
// parses the query string, and the form, which renders the same choices. Browser-safe (no ORM).
import { z } from "zod";
import { LOG_OUTCOMES, type LogOutcome, SERVICE_TYPES, type ServiceType } from "#db/schema/values.ts";

export const LOG_PAGE_SIZE = 50;

/** How far back a log search reaches; 90 days is the retention of `haproxy_logs`. */
export const LOG_RANGES = {
  "1h": { label: "Last hour", ms: 3_600_000 },
  "24h": { label: "Last 24 hours", ms: 24 * 3_600_000 },
  "7d": { label: "Last 7 days", ms: 7 * 24 * 3_600_000 },
  "30d": { label: "Last 30 days", ms: 30 * 24 * 3_600_000 },
  "90d": { label: "Last 90 days", ms: 90 * 24 * 3_600_000 },
} as const;
export type LogRange = keyof typeof LOG_RANGES;
export const LOG_RANGE_IDS = Object.keys(LOG_RANGES) as [LogRange, ...LogRange[]];
export const DEFAULT_LOG_RANGE: LogRange = "24h";

export const STATUS_CLASSES = {
  "2xx": { label: "2xx success", min: 200, max: 299 },
  "3xx": { label: "3xx redirect", min: 300, max: 399 },
  "4xx": { label: "4xx client error", min: 400, max: 499 },
  "5xx": { label: "5xx server error", min: 500, max: 599 },
} as const;
export type StatusClass = keyof typeof STATUS_CLASSES;
const STATUS_CLASS_IDS = Object.keys(STATUS_CLASSES) as [StatusClass, ...StatusClass[]];

export const OUTCOME_LABELS: Record<LogOutcome, string> = {
  ok: "Served",
  error: "Backend error",
  denied: "Denied",
  ratelimited: "Rate limited",
  ipblocked: "IP blocked",
  unauthorized: "Unauthorized",
};

/** A position in the newest-first order: the (ts, id) of a row, written `<unix ms>.<id>`. */
export interface LogCursor {
  ts: Date;
  id: number;
}

export function encodeCursor(cursor: LogCursor): string {
  return `${cursor.ts.getTime()}.${cursor.id}`;
}

const cursorField = z
  .string()
  .max(40, "That page link is not valid.")
  .transform((value, context): LogCursor => {
    const decoded = /^(\d{1,15})\.(\d{1,18})$/.exec(value);
    const ts = decoded ? new Date(Number(decoded[1])) : null;
    const id = decoded ? Number(decoded[2]) : Number.NaN;
    if (!ts || Number.isNaN(ts.getTime()) || !Number.isSafeInteger(id)) {
      context.addIssue({ code: "custom", message: "That page link is not valid." });
      return z.NEVER;
    }
    return { ts, id };
  });

export const logFiltersSchema = z
  .object({
    service: z.enum(["all", ...SERVICE_TYPES], { error: "Choose a service." }).optional(),
    status: z.enum(STATUS_CLASS_IDS, { error: "Choose a status class." }).optional(),
    outcome: z.enum(LOG_OUTCOMES, { error: "Choose an outcome." }).optional(),
    key: z
      .number({ error: "Choose one of your API keys." })
      .int("Choose one of your API keys.")
      .positive("Choose one of your API keys.")
      .optional(),
    range: z.enum(LOG_RANGE_IDS, { error: "Choose a time range." }).optional().default(DEFAULT_LOG_RANGE),
    before: cursorField.optional(),
    after: cursorField.optional(),
  })
  .refine((filters) => !(filters.before && filters.after), {
    message: "That page link is not valid.",
    path: ["before"],
  });
export type LogFilters = z.output<typeof logFiltersSchema>;

export type LogServiceFilter = ServiceType | "all";
