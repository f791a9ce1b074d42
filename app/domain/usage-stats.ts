// A service's usage over a chart range (spec §3 Usage, §4 Stats tab), folded from the hourly
// rollups the meter writes: requests per bucket by outcome, bandwidth and latency percentiles.
// Buckets are UTC hours (24 h) or UTC days (7 d, 30 d); the bucket that contains "now" is partial.
// Pure and browser-safe; the queries are in usage-stats.server.ts.
import { addHistograms, percentileMs } from "./usage.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export const STATS_RANGES = {
  "24h": { label: "24 hours", unit: "hour", buckets: 24 },
  "7d": { label: "7 days", unit: "day", buckets: 7 },
  "30d": { label: "30 days", unit: "day", buckets: 30 },
} as const;
export type StatsRange = keyof typeof STATS_RANGES;
export const STATS_RANGE_IDS = Object.keys(STATS_RANGES) as StatsRange[];
export const DEFAULT_STATS_RANGE: StatsRange = "24h";

export function isStatsRange(value: unknown): value is StatsRange {
  return typeof value === "string" && Object.hasOwn(STATS_RANGES, value);
}

/** The outcome classes a chart stacks, in stacking order (spec §3: only `ok` is billable). */
export const OUTCOME_CLASSES = [
  { id: "ok", label: "Successful" },
  { id: "clientErrors", label: "Client errors (4xx)" },
  { id: "serverErrors", label: "Server errors (5xx)" },
  { id: "denied", label: "Denied or rate limited" },
] as const;
export type OutcomeClass = (typeof OUTCOME_CLASSES)[number]["id"];

export interface UsageCounts {
  requests: number;
  ok: number;
  clientErrors: number;
  serverErrors: number;
  /** Denied by the edge: unknown/revoked key, rate limited, IP not allowed, unauthorized. */
  denied: number;
  bytesIn: number;
  bytesOut: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export interface StatsBucket extends UsageCounts {
  /** Start of the bucket, ISO 8601 UTC. */
  start: string;
  /** The bucket is still filling (it contains now). */
  partial: boolean;
}

export interface ServiceStats {
  range: StatsRange;
  unit: "hour" | "day";
  buckets: StatsBucket[];
  totals: UsageCounts & { successRate: number | null };
  /** Any request at all in the range. */
  hasData: boolean;
}

/** One row of usage_hourly, as the fold needs it. */
export interface HourlyUsageRow {
  hour: Date;
  requests: number;
  billable: number;
  clientErrors: number;
  serverErrors: number;
  denied: number;
  rateLimited: number;
  ipBlocked: number;
  unauthorized: number;
  bytesIn: number;
  bytesOut: number;
  latencyHistogram: number[];
}

/** The start of the first bucket and the end of the last one (exclusive) for a range at `now`. */
export function rangeWindow(range: StatsRange, now: Date): { from: Date; to: Date; stepMs: number } {
  const { unit, buckets } = STATS_RANGES[range];
  const stepMs = unit === "hour" ? HOUR_MS : DAY_MS;
  const current = Math.floor(now.getTime() / stepMs) * stepMs;
  return { from: new Date(current - (buckets - 1) * stepMs), to: new Date(current + stepMs), stepMs };
}

interface Accumulator {
  requests: number;
  ok: number;
  clientErrors: number;
  serverErrors: number;
  denied: number;
  bytesIn: number;
  bytesOut: number;
  histogram: number[];
}

const emptyAccumulator = (): Accumulator => ({
  requests: 0,
  ok: 0,
  clientErrors: 0,
  serverErrors: 0,
  denied: 0,
  bytesIn: 0,
  bytesOut: 0,
  histogram: [],
});

function add(into: Accumulator, row: HourlyUsageRow): void {
  into.requests += row.requests;
  into.ok += row.billable;
  into.clientErrors += row.clientErrors;
  into.serverErrors += row.serverErrors;
  into.denied += row.denied + row.rateLimited + row.ipBlocked + row.unauthorized;
  into.bytesIn += row.bytesIn;
  into.bytesOut += row.bytesOut;
  into.histogram = addHistograms(into.histogram, row.latencyHistogram);
}

function counts(from: Accumulator): UsageCounts {
  return {
    requests: from.requests,
    ok: from.ok,
    clientErrors: from.clientErrors,
    serverErrors: from.serverErrors,
    denied: from.denied,
    bytesIn: from.bytesIn,
    bytesOut: from.bytesOut,
    p50Ms: percentileMs(from.histogram, 0.5),
    p95Ms: percentileMs(from.histogram, 0.95),
    p99Ms: percentileMs(from.histogram, 0.99),
  };
}

/** Fold hourly rows into the range's buckets (pure: the unit-tested heart of the Stats tab). */
export function foldUsage(rows: readonly HourlyUsageRow[], range: StatsRange, now: Date): ServiceStats {
  const { from, to, stepMs } = rangeWindow(range, now);
  const slots = Array.from({ length: STATS_RANGES[range].buckets }, emptyAccumulator);
  const total = emptyAccumulator();
  for (const row of rows) {
    const at = row.hour.getTime();
    if (at < from.getTime() || at >= to.getTime()) continue;
    const slot = slots[Math.floor((at - from.getTime()) / stepMs)];
    if (!slot) continue;
    add(slot, row);
    add(total, row);
  }
  const last = slots.length - 1;
  return {
    range,
    unit: STATS_RANGES[range].unit,
    buckets: slots.map((slot, index) => ({
      start: new Date(from.getTime() + index * stepMs).toISOString(),
      partial: index === last,
      ...counts(slot),
    })),
    totals: { ...counts(total), successRate: total.requests > 0 ? total.ok / total.requests : null },
    hasData: total.requests > 0,
  };
}

/**
 * Made-up traffic for demo mode (spec §4: every page browsable with placeholder data): a smooth
 * daily cycle with a few errors, the same on every render.
 */
export function demoHourlyUsage(range: StatsRange, now: Date): HourlyUsageRow[] {
  const { from, to } = rangeWindow(range, now);
  const rows: HourlyUsageRow[] = [];
  for (let at = from.getTime(); at < Math.min(to.getTime(), now.getTime()); at += HOUR_MS) {
    const hour = new Date(at);
    const phase = (hour.getUTCHours() / 24) * 2 * Math.PI;
    const requests = Math.round(4_000 + 2_500 * Math.sin(phase - Math.PI / 2) + ((at / HOUR_MS) % 7) * 90);
    const serverErrors = Math.round(requests * 0.004);
    const clientErrors = Math.round(requests * 0.015);
    const denied = Math.round(requests * 0.01);
    rows.push({
      hour,
      requests,
      billable: requests - serverErrors - clientErrors - denied,
      clientErrors,
      serverErrors,
      denied,
      rateLimited: 0,
      ipBlocked: 0,
      unauthorized: 0,
      bytesIn: requests * 420,
      bytesOut: requests * 2_600,
      latencyHistogram: [
        0,
        0,
        0,
        Math.round(requests * 0.3),
        Math.round(requests * 0.45),
        Math.round(requests * 0.2),
        requests - Math.round(requests * 0.3) - Math.round(requests * 0.45) - Math.round(requests * 0.2),
      ],
    });
  }
  return rows;
}
