import { describe, expect, it } from "vitest";
import { LATENCY_BUCKETS, latencyBucket } from "./usage.ts";
import { demoHourlyUsage, foldUsage, type HourlyUsageRow, rangeWindow } from "./usage-stats.ts";

const NOW = new Date("2026-11-28T14:35:00Z");

function row(hour: string, overrides: Partial<HourlyUsageRow> = {}): HourlyUsageRow {
  const histogram = Array<number>(LATENCY_BUCKETS).fill(0);
  histogram[latencyBucket(30)] = 10;
  return {
    hour: new Date(hour),
    requests: 10,
    billable: 10,
    clientErrors: 0,
    serverErrors: 0,
    denied: 0,
    rateLimited: 0,
    ipBlocked: 0,
    unauthorized: 0,
    bytesIn: 100,
    bytesOut: 1_000,
    latencyHistogram: histogram,
    ...overrides,
  };
}

describe("rangeWindow", () => {
  it("ends with the bucket containing now, in UTC hours or days", () => {
    expect(rangeWindow("24h", NOW)).toMatchObject({
      from: new Date("2026-11-27T15:00:00Z"),
      to: new Date("2026-11-28T15:00:00Z"),
    });
    expect(rangeWindow("7d", NOW)).toMatchObject({
      from: new Date("2026-11-22T00:00:00Z"),
      to: new Date("2026-11-29T00:00:00Z"),
    });
    expect(rangeWindow("30d", NOW).from).toEqual(new Date("2026-10-30T00:00:00Z"));
  });
});

describe("foldUsage", () => {
  it("puts each hour in its bucket, marks only the current one partial, and totals the range", () => {
    const rows = [
      row("2026-11-28T14:00:00Z", { requests: 7, billable: 4, serverErrors: 2, rateLimited: 1 }),
      row("2026-11-28T13:00:00Z"),
      row("2026-11-27T15:00:00Z", { clientErrors: 3, requests: 13 }),
      // Outside the 24-hour window: ignored.
      row("2026-11-27T14:00:00Z", { requests: 1_000, billable: 1_000 }),
    ];
    const stats = foldUsage(rows, "24h", NOW);
    expect(stats.buckets).toHaveLength(24);
    expect(stats.buckets[0]?.start).toBe("2026-11-27T15:00:00.000Z");
    expect(stats.buckets.filter((bucket) => bucket.partial).map((bucket) => bucket.start)).toEqual([
      "2026-11-28T14:00:00.000Z",
    ]);
    expect(stats.buckets[23]).toMatchObject({ requests: 7, ok: 4, serverErrors: 2, denied: 1 });
    expect(stats.buckets[0]).toMatchObject({ requests: 13, clientErrors: 3 });
    expect(stats.buckets[5]).toMatchObject({ requests: 0, p50Ms: null });
    expect(stats.totals).toMatchObject({ requests: 30, ok: 24, serverErrors: 2, clientErrors: 3, denied: 1 });
    expect(stats.totals.successRate).toBeCloseTo(24 / 30);
    expect(stats.totals.bytesOut).toBe(3_000);
    expect(stats.hasData).toBe(true);
  });

  it("sums hours into UTC days for 7 and 30 days", () => {
    const rows = [
      row("2026-11-28T00:00:00Z"),
      row("2026-11-28T14:00:00Z"),
      row("2026-11-27T23:00:00Z", { requests: 5, billable: 5 }),
      row("2026-10-30T00:00:00Z", { requests: 2, billable: 2 }),
    ];
    const week = foldUsage(rows, "7d", NOW);
    expect(week.buckets.map((bucket) => bucket.requests)).toEqual([0, 0, 0, 0, 0, 5, 20]);
    expect(week.buckets.at(-1)?.partial).toBe(true);
    const month = foldUsage(rows, "30d", NOW);
    expect(month.buckets).toHaveLength(30);
    expect(month.buckets[0]?.requests).toBe(2);
    expect(month.totals.requests).toBe(27);
  });

  it("derives latency percentiles from the merged histograms", () => {
    const slow = Array<number>(LATENCY_BUCKETS).fill(0);
    slow[latencyBucket(700)] = 10;
    const stats = foldUsage(
      [row("2026-11-28T13:00:00Z"), row("2026-11-28T12:00:00Z", { latencyHistogram: slow })],
      "24h",
      NOW,
    );
    // 20 requests: 10 in [20, 50) ms, 10 in [500, 1000) ms.
    expect(stats.totals.p50Ms).toBeGreaterThanOrEqual(20);
    expect(stats.totals.p50Ms).toBeLessThanOrEqual(50);
    expect(stats.totals.p99Ms).toBeGreaterThanOrEqual(500);
    expect(stats.totals.p99Ms).toBeLessThanOrEqual(1_000);
  });

  it("says there is no data when the range is empty", () => {
    const stats = foldUsage([], "30d", NOW);
    expect(stats.hasData).toBe(false);
    expect(stats.totals.successRate).toBeNull();
    expect(stats.buckets.every((bucket) => bucket.requests === 0)).toBe(true);
  });

  it("makes demo data that stays inside the range and before now", () => {
    const rows = demoHourlyUsage("24h", NOW);
    expect(rows.length).toBe(24);
    expect(rows.every((entry) => entry.hour.getTime() <= NOW.getTime())).toBe(true);
    expect(foldUsage(rows, "24h", NOW).hasData).toBe(true);
  });
});
