import { describe, expect, it } from "vitest";
import { dollarsField } from "./billing/forms.ts";
import { formatCents, parseDollarsToCents } from "./money.ts";

describe("parseDollarsToCents", () => {
  it.each([
    ["12", 1200],
    ["12.5", 1250],
    ["12.05", 1205],
    ["0.01", 1],
    ["$1,234.56", 123456],
    [" 100 ", 10000],
    ["1000000", 100000000],
  ])("%s → %i cents", (input, cents) => {
    expect(parseDollarsToCents(input)).toBe(cents);
  });

  it.each(["-5", "1.234", "abc", "", "1e3", "0x10", "12.", ".5", "NaN", "Infinity", "1 000"])(
    "refuses %s",
    (input) => {
      expect(parseDollarsToCents(input)).toBeNull();
    },
  );
});

describe("dollarsField", () => {
  const field = dollarsField({ minCents: 1, maxCents: 100_000_000 });

  it("accepts amounts in range", () => {
    expect(field.parse("100")).toBe(10_000);
  });

  it.each([
    ["0", /more than \$0/],
    ["0.00", /more than \$0/],
    ["1000000.01", /at most \$1,000,000\.00/],
    ["12.345", /at most 2 decimals/],
    ["-3", /at most 2 decimals/],
    ["ten", /at most 2 decimals/],
    ["", /required/],
  ])("refuses %s", (input, message) => {
    const result = field.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(message);
  });

  it("formats cents as dollars", () => {
    expect(formatCents(123456)).toBe("$1,234.56");
    expect(formatCents(0)).toBe("$0.00");
  });
});
