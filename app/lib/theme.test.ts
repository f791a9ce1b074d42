import { describe, expect, it } from "vitest";
import { themeCookie, themeFromCookieHeader } from "./theme.ts";

describe("theme cookie", () => {
  it("reads the theme among other cookies", () => {
    expect(themeFromCookieHeader("a=1; theme=dark; b=2")).toBe("dark");
    expect(themeFromCookieHeader("theme=light")).toBe("light");
  });

  it("falls back to system for missing or unknown values", () => {
    expect(themeFromCookieHeader(null)).toBe("system");
    expect(themeFromCookieHeader("theme=purple")).toBe("system");
    expect(themeFromCookieHeader("other=dark")).toBe("system");
  });

  it("writes a year-long, site-wide, Lax cookie; Secure only when asked", () => {
    expect(themeCookie("dark", false)).toBe("theme=dark; Path=/; Max-Age=31536000; SameSite=Lax");
    expect(themeCookie("light", true)).toMatch(/; Secure$/);
  });
});
