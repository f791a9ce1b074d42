import { describe, expect, it } from "vitest";
import {
  API_KEY_LENGTH,
  apiKeyChecksum,
  apiKeyDisplayParts,
  apiKeyFingerprint,
  base32,
  generateApiKey,
  hashApiKey,
  isWellFormedApiKey,
} from "./api-keys.ts";

describe("base32", () => {
  it("matches RFC 4648 test vectors (without padding)", () => {
    const encode = (text: string) => base32(new TextEncoder().encode(text));
    expect(encode("")).toBe("");
    expect(encode("f")).toBe("MY");
    expect(encode("fo")).toBe("MZXQ");
    expect(encode("foo")).toBe("MZXW6");
    expect(encode("foob")).toBe("MZXW6YQ");
    expect(encode("fooba")).toBe("MZXW6YTB");
    expect(encode("foobar")).toBe("MZXW6YTBOI");
  });

  it("encodes 16 bytes in 26 characters", () => {
    expect(base32(new Uint8Array(16).fill(255))).toHaveLength(26);
  });
});

describe("API keys", () => {
  it("start with the service letter, are 31 characters, and carry a valid checksum", () => {
    for (const [service, letter] of [
      ["seal", "S"],
      ["grpc", "R"],
      ["graphql", "G"],
    ] as const) {
      const key = generateApiKey(service);
      expect(key).toHaveLength(API_KEY_LENGTH);
      expect(key[0]).toBe(letter);
      expect(key).toMatch(/^[SRG][A-Z2-7]{30}$/);
      expect(isWellFormedApiKey(key)).toBe(true);
      expect(key.slice(27)).toBe(apiKeyChecksum(key.slice(0, 27)));
    }
  });

  it("are random", () => {
    const keys = new Set(Array.from({ length: 1000 }, () => generateApiKey("seal")));
    expect(keys.size).toBe(1000);
  });

  it("detect typos, truncation and foreign strings", () => {
    const key = generateApiKey("seal");
    const typo = key.slice(0, 10) + (key[10] === "A" ? "B" : "A") + key.slice(11);
    expect(isWellFormedApiKey(typo)).toBe(false);
    expect(isWellFormedApiKey(key.slice(0, 30))).toBe(false);
    expect(isWellFormedApiKey(key.toLowerCase())).toBe(false);
    expect(isWellFormedApiKey(`X${key.slice(1)}`)).toBe(false);
  });

  it("are stored as SHA-256, logged by fingerprint, shown by their ends", () => {
    const key = "SABCDEFGHIJKLMNOPQRSTUVWXYZ2345";
    const hash = hashApiKey(key);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(apiKeyFingerprint(hash)).toBe(hash.slice(0, 16));
    expect(apiKeyDisplayParts(key)).toEqual({ prefix: "SABCDE", suffix: "2345" });
  });
});
