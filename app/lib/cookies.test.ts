import { describe, expect, it } from "vitest";
import { readCookie, serializeCookie } from "./cookies.ts";

describe("cookies", () => {
  it("reads one cookie among many, decoding it", () => {
    expect(readCookie("a=1; sfy_access=abc%3D; b=2", "sfy_access")).toBe("abc=");
    expect(readCookie("a=1", "sfy_access")).toBeUndefined();
    expect(readCookie(null, "a")).toBeUndefined();
    expect(readCookie("a=%E0%A4%A", "a")).toBeUndefined();
  });

  it("does not confuse cookies whose names share a prefix", () => {
    expect(readCookie("sfy_access_old=1; sfy_access=2", "sfy_access")).toBe("2");
  });

  it("serializes HttpOnly, Secure and expiry attributes", () => {
    expect(serializeCookie("n", "v", { maxAgeSeconds: 60, httpOnly: true, secure: true })).toBe(
      "n=v; Path=/; Max-Age=60; SameSite=Lax; HttpOnly; Secure",
    );
    expect(serializeCookie("n", "", { maxAgeSeconds: 0 })).toBe(
      "n=; Path=/; Max-Age=0; SameSite=Lax; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
    );
  });
});
