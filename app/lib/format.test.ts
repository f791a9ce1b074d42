import { describe, expect, it } from "vitest";
import { formatTimestamp } from "./format.ts";

describe("formatTimestamp", () => {
  it("matches Intl's en-US month, day and 24-hour time in UTC", () => {
    const intl = new Intl.DateTimeFormat("en-US", {
      month: "short",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
      timeZone: "UTC",
    });
    // Every month, midnight and the last second of a day, leap day, sub-second precision.
    const samples = ["2026-03-01T00:00:00Z", "2024-02-29T23:59:59.999Z", "2026-11-28T14:03:07.123Z"];
    for (let month = 0; month < 12; month++) {
      samples.push(new Date(Date.UTC(2026, month, 1 + month * 2, month * 2, month * 5, month)).toISOString());
    }
    for (const iso of samples) expect(formatTimestamp(iso)).toBe(intl.format(new Date(iso)));
    expect(formatTimestamp("2026-11-28T04:03:07.123Z")).toBe("Nov 28, 04:03:07");
  });
});
