import { describe, expect, it } from "vitest";
import { buildSignInMessage, nonceFromMessage } from "./challenge.server.ts";

describe("sign-in message", () => {
  const message = buildSignInMessage({
    origin: "https://app.suiftly.io",
    address: `0x${"ab".repeat(32)}`,
    nonce: `${"0".repeat(63)}1`,
    issuedAt: new Date("2026-11-28T10:00:00Z"),
    expiresAt: new Date("2026-11-28T10:05:00Z"),
  });

  it("names the domain, the address, the nonce and both times", () => {
    expect(message.split("\n")).toEqual([
      "app.suiftly.io wants you to sign in with your Sui account:",
      `0x${"ab".repeat(32)}`,
      "",
      "Sign in to Suiftly. This request costs nothing and does not move funds.",
      "",
      "URI: https://app.suiftly.io",
      `Nonce: ${"0".repeat(63)}1`,
      "Issued At: 2026-11-28T10:00:00.000Z",
      "Expiration Time: 2026-11-28T10:05:00.000Z",
    ]);
  });

  it("gives its nonce back, and nothing for a message without one", () => {
    expect(nonceFromMessage(message)).toBe(`${"0".repeat(63)}1`);
    expect(nonceFromMessage("Nonce: xyz")).toBeUndefined();
  });
});
