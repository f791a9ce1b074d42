import { describe, expect, it } from "vitest";
import { fixedClock } from "../clock.ts";
import {
  daysInMonth,
  daysLeftIncludingToday,
  monthKey,
  monthStart,
  nextMonthStart,
  previousMonthStart,
  prorate,
} from "./calendar.ts";

const at = (iso: string) => fixedClock(iso).now();

describe("prorate", () => {
  it("charges the whole fee on the 1st", () => {
    expect(prorate(4000, at("2026-11-01T00:00:00Z"))).toBe(4000);
    expect(prorate(4000, at("2026-02-01T12:00:00Z"))).toBe(4000);
  });

  it("charges one day on the last day of the month", () => {
    expect(prorate(3100, at("2026-01-31T23:59:59Z"))).toBe(100); // 31-day month
    expect(prorate(3000, at("2026-11-30T08:00:00Z"))).toBe(100); // 30-day month
  });

  it("rounds down to the cent", () => {
    // $40 × 16/30 = $21.333… → $21.33
    expect(prorate(4000, at("2026-11-15T10:00:00Z"))).toBe(2133);
    // $20 × 1/31 = 64.51… cents → 64
    expect(prorate(2000, at("2026-12-31T10:00:00Z"))).toBe(64);
  });

  it("knows February in common and leap years", () => {
    // 2026: 28 days. Feb 28 = 1 day left.
    expect(prorate(2800, at("2026-02-28T00:00:00Z"))).toBe(100);
    expect(prorate(2800, at("2026-02-15T00:00:00Z"))).toBe(1400); // 14 days left
    // 2028: 29 days. Feb 28 = 2 days left, Feb 29 = 1.
    expect(prorate(2900, at("2028-02-28T00:00:00Z"))).toBe(200);
    expect(prorate(2900, at("2028-02-29T00:00:00Z"))).toBe(100);
    expect(prorate(8000, at("2028-02-15T00:00:00Z"))).toBe(Math.floor((8000 * 15) / 29));
  });

  it("uses the UTC date, not the local one", () => {
    // 23:30 UTC on Nov 30 is Dec 1 in Tokyo, but billing is UTC: one day left.
    expect(prorate(3000, new Date("2026-11-30T23:30:00Z"))).toBe(100);
  });

  it("refuses fractional or negative fees", () => {
    expect(() => prorate(10.5, at("2026-11-01T00:00:00Z"))).toThrow(RangeError);
    expect(() => prorate(-1, at("2026-11-01T00:00:00Z"))).toThrow(RangeError);
    expect(prorate(0, at("2026-11-01T00:00:00Z"))).toBe(0);
  });
});

describe("UTC months", () => {
  it("computes month boundaries and lengths", () => {
    const date = at("2026-12-31T23:00:00Z");
    expect(monthStart(date).toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(nextMonthStart(date).toISOString()).toBe("2027-01-01T00:00:00.000Z");
    expect(previousMonthStart(at("2026-01-15T00:00:00Z")).toISOString()).toBe("2025-12-01T00:00:00.000Z");
    expect(daysInMonth(at("2028-02-10T00:00:00Z"))).toBe(29);
    expect(daysLeftIncludingToday(at("2026-04-30T00:00:00Z"))).toBe(1);
    expect(monthKey(date)).toBe("2026-12");
  });
});
