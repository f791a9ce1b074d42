// Display formatting shared by pages. Money arrives as integer cents (formatted by the money module).
import { formatCents } from "#app/domain/money.ts";

export { formatCents };

export function formatMonthlyFee(cents: number | null): string {
  return cents === null ? "Contact us" : `${formatCents(cents)}/month`;
}

// Formatters are built once: constructing an Intl formatter costs far more than using one.
const integer = new Intl.NumberFormat("en-US");

export function formatNumber(value: number): string {
  return integer.format(value);
}

export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

/** 1.2K, 3.4M: for chart axes and dense tables. */
export function formatCompact(value: number): string {
  return compact.format(value);
}

const BYTE_UNITS = ["B", "KB", "MB", "GB", "TB", "PB"] as const;

/** Decimal units (1 KB = 1,000 B), like bandwidth is billed and reported elsewhere. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1_000 && unit < BYTE_UNITS.length - 1) {
    value /= 1_000;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

export function formatMs(ms: number | null): string {
  if (ms === null) return "—";
  if (ms >= 1_000) return `${(ms / 1_000).toFixed(ms >= 10_000 ? 0 : 1)} s`;
  return `${ms >= 10 ? Math.round(ms) : ms.toFixed(1)} ms`;
}

export function formatPercent(ratio: number | null, digits = 1): string {
  return ratio === null ? "—" : `${(ratio * 100).toFixed(digits)}%`;
}

const hourFormat = new Intl.DateTimeFormat("en-US", {
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZone: "UTC",
});
const dayFormat = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
const longDayFormat = new Intl.DateTimeFormat("en-US", {
  weekday: "short",
  month: "short",
  day: "numeric",
  year: "numeric",
  timeZone: "UTC",
});
/** Labels of a chart bucket starting at `iso`: short for the axis, long for tooltips. */
export function bucketLabels(iso: string, unit: "hour" | "day"): { label: string; longLabel: string } {
  const at = new Date(iso);
  return unit === "hour"
    ? { label: hourFormat.format(at), longLabel: `${dayFormat.format(at)}, ${hourFormat.format(at)} UTC` }
    : { label: dayFormat.format(at), longLabel: longDayFormat.format(at) };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const twoDigits = (value: number) => (value < 10 ? `0${value}` : String(value));

/**
 * "Nov 28, 14:03:07" (UTC) for log rows: what Intl.DateTimeFormat("en-US") gives for month short,
 * day, 24-hour time, built by hand because a log page formats fifty of them per render.
 */
export function formatTimestamp(iso: string): string {
  const at = new Date(iso);
  return `${MONTHS[at.getUTCMonth()]} ${at.getUTCDate()}, ${twoDigits(at.getUTCHours())}:${twoDigits(at.getUTCMinutes())}:${twoDigits(at.getUTCSeconds())}`;
}
