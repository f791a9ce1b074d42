import { describe, expect, it } from "vitest";
import {
  addHistograms,
  invoiceableUsage,
  LATENCY_BUCKETS,
  latencyBucket,
  percentileMs,
  REQUESTS_PER_CENT,
} from "./usage.ts";

describe("latency histogram", () => {
  it("buckets latencies by upper bound", () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(1)).toBe(1);
    expect(latencyBucket(4)).toBe(2);
    expect(latencyBucket(5)).toBe(3);
    expect(latencyBucket(99)).toBe(6);
    expect(latencyBucket(100)).toBe(7);
    expect(latencyBucket(60_000)).toBe(LATENCY_BUCKETS - 1);
  });

  it("estimates percentiles by interpolating inside a bucket", () => {
    const histogram = Array(LATENCY_BUCKETS).fill(0);
    histogram[latencyBucket(15)] = 100; // all between 10 and 20 ms
    expect(percentileMs(histogram, 0.5)).toBe(15);
    expect(percentileMs(histogram, 1)).toBe(20);
    histogram[latencyBucket(700)] = 100; // half between 500 and 1000 ms
    expect(percentileMs(histogram, 0.5)).toBe(20);
    expect(percentileMs(histogram, 0.99)).toBeCloseTo(990);
    expect(percentileMs(Array(LATENCY_BUCKETS).fill(0), 0.5)).toBeNull();
  });

  it("adds histograms of different lengths", () => {
    expect(addHistograms([1, 2], [3, 4, 5])).toEqual([4, 6, 5]);
  });
});

describe("usage pricing", () => {
  it("costs $1.00 per 10,000 successful requests, whole cents only, the rest carried", () => {
    expect(REQUESTS_PER_CENT).toBe(100);
    expect(invoiceableUsage(10_000)).toEqual({ requests: 10_000, cents: 100 });
    expect(invoiceableUsage(12_345)).toEqual({ requests: 12_300, cents: 123 });
    expect(invoiceableUsage(99)).toEqual({ requests: 0, cents: 0 });
    expect(invoiceableUsage(-5)).toEqual({ requests: 0, cents: 0 });
  });
});
