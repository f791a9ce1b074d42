import { describe, expect, it } from "vitest";
import { serviceFeeLines, sumLines } from "./pricing.ts";

const base = { burstEnabled: false, apiKeys: 1, sealKeys: 1, packagesPerKey: [3] };

describe("serviceFeeLines", () => {
  it("charges the tier fee alone when everything is within the included amounts", () => {
    expect(sumLines(serviceFeeLines("seal", { ...base, tier: "starter" }))).toBe(2000);
    expect(sumLines(serviceFeeLines("seal", { ...base, tier: "pro" }))).toBe(4000);
    expect(sumLines(serviceFeeLines("grpc", { ...base, tier: "business" }))).toBe(8000);
  });

  it("adds burst only on tiers that have it", () => {
    expect(sumLines(serviceFeeLines("seal", { ...base, tier: "pro", burstEnabled: true }))).toBe(5000);
    expect(sumLines(serviceFeeLines("seal", { ...base, tier: "business", burstEnabled: true }))).toBe(9000);
    expect(sumLines(serviceFeeLines("seal", { ...base, tier: "starter", burstEnabled: true }))).toBe(2000);
  });

  it("charges keys and packages beyond the included ones", () => {
    const lines = serviceFeeLines("seal", {
      tier: "pro",
      burstEnabled: false,
      apiKeys: 3, // 2 extra × $1
      sealKeys: 2, // 1 extra × $5
      packagesPerKey: [5, 1], // 2 extra on the first key × $1
    });
    expect(lines.map((l) => [l.itemType, l.quantity, l.amountCents])).toEqual([
      ["tier", 1, 4000],
      ["api_key", 2, 200],
      ["seal_key", 1, 500],
      ["package", 2, 200],
    ]);
    expect(sumLines(lines)).toBe(4900);
  });

  it("ignores Seal keys and packages for gRPC", () => {
    expect(
      sumLines(serviceFeeLines("grpc", { ...base, tier: "pro", sealKeys: 5, packagesPerKey: [9] })),
    ).toBe(4000);
  });

  it("refuses Enterprise, which is not self-service", () => {
    expect(() => serviceFeeLines("seal", { ...base, tier: "enterprise" })).toThrow(/contract/);
  });
});
