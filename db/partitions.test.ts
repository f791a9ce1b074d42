import { describe, expect, it } from "vitest";
import { partitionNameFor, utcDayStart } from "./partitions.ts";

describe("log partition naming", () => {
  it("names a partition by its UTC day", () => {
    expect(partitionNameFor(new Date("2026-02-28T23:59:59.999Z"))).toBe("haproxy_logs_p20260228");
    expect(partitionNameFor(new Date("2026-03-01T00:00:00Z"))).toBe("haproxy_logs_p20260301");
  });

  it("uses UTC, not the local time zone", () => {
    // 2026-01-01T01:30+02:00 is still 2025-12-31 in UTC.
    expect(partitionNameFor(new Date("2026-01-01T01:30:00+02:00"))).toBe("haproxy_logs_p20251231");
    expect(utcDayStart(new Date("2026-07-04T18:00:00Z")).toISOString()).toBe("2026-07-04T00:00:00.000Z");
  });
});
