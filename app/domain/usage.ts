// Usage: what metering counts, how latency is bucketed, and what requests cost (spec §3 Usage).
import { USAGE_PRICE } from "./catalog.ts";

/**
 * Upper bounds (exclusive, in ms) of the latency histogram's buckets; one more bucket holds
 * everything slower. Bucket i counts requests with bounds[i-1] ≤ t < bounds[i].
 */
export const LATENCY_BUCKET_BOUNDS_MS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000,
] as const;
export const LATENCY_BUCKETS = LATENCY_BUCKET_BOUNDS_MS.length + 1;

/** Bucket of one latency (what the meter's SQL computes with width_bucket). */
export function latencyBucket(ms: number): number {
  let index = 0;
  while (index < LATENCY_BUCKET_BOUNDS_MS.length && ms >= (LATENCY_BUCKET_BOUNDS_MS[index] ?? 0)) index++;
  return index;
}

/**
 * The p-th percentile (0 < p ≤ 1) estimated from a histogram: the upper bound of the bucket where
 * the cumulative count reaches p of the total, interpolated linearly inside that bucket. Null
 * without data.
 */
export function percentileMs(histogram: readonly number[], p: number): number | null {
  const total = histogram.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const target = p * total;
  let cumulative = 0;
  for (let i = 0; i < histogram.length; i++) {
    const count = histogram[i] ?? 0;
    if (count > 0 && cumulative + count >= target) {
      const lower = i === 0 ? 0 : (LATENCY_BUCKET_BOUNDS_MS[i - 1] ?? 0);
      const upper = LATENCY_BUCKET_BOUNDS_MS[i];
      if (upper === undefined) return lower; // the open-ended bucket: report its floor
      return lower + ((upper - lower) * (target - cumulative)) / count;
    }
    cumulative += count;
  }
  return LATENCY_BUCKET_BOUNDS_MS.at(-1) ?? null;
}

export function addHistograms(a: readonly number[], b: readonly number[]): number[] {
  return Array.from({ length: Math.max(a.length, b.length) }, (_, i) => (a[i] ?? 0) + (b[i] ?? 0));
}

/** Requests worth one cent: usage is invoiced in whole cents, the remainder carried forward. */
export const REQUESTS_PER_CENT = USAGE_PRICE.perRequests / USAGE_PRICE.cents;

/** What billable requests are worth in whole cents, rounded down (exact to the request). */
export function usageValueCents(requests: number): number {
  return Math.floor((Math.max(0, requests) * USAGE_PRICE.cents) / USAGE_PRICE.perRequests);
}

/** Of `requests` not yet invoiced, those that make whole cents, and what they cost. */
export function invoiceableUsage(requests: number): { requests: number; cents: number } {
  const cents = Math.floor(Math.max(0, requests) / REQUESTS_PER_CENT);
  return { requests: cents * REQUESTS_PER_CENT, cents };
}
