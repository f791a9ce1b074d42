import { describe, expect, it } from "vitest";
import { parseAllowlist } from "./ip-allowlist.ts";

describe("parseAllowlist", () => {
  it("accepts addresses and ranges separated by newlines, commas or spaces, removing duplicates", () => {
    expect(parseAllowlist("203.0.113.7\n198.51.100.0/24, 203.0.113.7  10.0.0.0/8\n\n")).toEqual({
      ok: true,
      entries: ["203.0.113.7", "198.51.100.0/24", "10.0.0.0/8"],
    });
  });

  it("treats /32 as the address itself and accepts IPv6", () => {
    expect(parseAllowlist("192.0.2.1/32 192.0.2.1 2001:DB8::/32 ::1")).toEqual({
      ok: true,
      entries: ["192.0.2.1", "2001:db8::/32", "::1"],
    });
  });

  it("is empty for an empty textarea", () => {
    expect(parseAllowlist("  \n ")).toEqual({ ok: true, entries: [] });
  });

  it("names every bad entry", () => {
    const result = parseAllowlist(
      "10.0.0.1, 300.1.1.1, example.com\n10.0.0.5/24 10.0.0.0/33 1.2.3.4/x 01.2.3.4",
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      '"300.1.1.1" is not an IP address or CIDR range.',
      '"example.com" is not an IP address or CIDR range.',
      '"10.0.0.5/24" has host bits set; did you mean 10.0.0.0/24?',
      '"10.0.0.0/33" has an invalid prefix length (0–32).',
      '"1.2.3.4/x" has an invalid prefix length (0–32).',
      '"01.2.3.4" is not an IP address or CIDR range.',
    ]);
  });

  it("allows at most 20 distinct entries", () => {
    const twenty = Array.from({ length: 20 }, (_, i) => `192.0.2.${i + 1}`);
    expect(parseAllowlist([...twenty, twenty[0]].join(" ")).ok).toBe(true);
    const result = parseAllowlist([...twenty, "192.0.2.200"].join(","));
    expect(result).toEqual({ ok: false, errors: ["At most 20 entries are allowed; you entered 21."] });
  });
});
