// API keys (spec §3 Keys): one letter for the service, the RFC 4648 Base32 encoding of 16 random
// bytes (26 characters), then a 4-character Base32 checksum of everything before it: 31 characters.
// Only the SHA-256 of a key is stored; the full key is shown once, at creation.
import { createHash, randomBytes } from "node:crypto";
import { type ServiceType, serviceDefinition } from "./catalog.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
export const API_KEY_LENGTH = 31;
const KEY_PATTERN = /^[SRG][A-Z2-7]{30}$/;

/** RFC 4648 Base32 without padding. */
export function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** 20 bits of SHA-256 over the key body, as 4 Base32 characters: catches typos, marks our keys for scanners. */
export function apiKeyChecksum(body: string): string {
  const digest = createHash("sha256").update(body).digest();
  const twentyBits =
    (((digest[0] ?? 0) << 12) | ((digest[1] ?? 0) << 4) | ((digest[2] ?? 0) >>> 4)) & 0xfffff;
  let out = "";
  for (let shift = 15; shift >= 0; shift -= 5) out += ALPHABET[(twentyBits >>> shift) & 31];
  return out;
}

export function generateApiKey(serviceType: ServiceType): string {
  const body = serviceDefinition(serviceType).keyLetter + base32(randomBytes(16));
  return body + apiKeyChecksum(body);
}

/** Shape and checksum are right (a typo or a truncated key fails). */
export function isWellFormedApiKey(key: string): boolean {
  if (key.length !== API_KEY_LENGTH || !KEY_PATTERN.test(key)) return false;
  return apiKeyChecksum(key.slice(0, 27)) === key.slice(27);
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** What HAProxy logs for a key: the first 16 hex characters of its SHA-256. */
export function apiKeyFingerprint(keyHash: string): string {
  return keyHash.slice(0, 16);
}

export function apiKeyDisplayParts(key: string): { prefix: string; suffix: string } {
  return { prefix: key.slice(0, 6), suffix: key.slice(-4) };
}

export function maskedApiKey(prefix: string, suffix: string): string {
  return `${prefix}…${suffix}`;
}
