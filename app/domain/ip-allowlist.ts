// The IP allowlist (spec §3: Pro and above, up to 20 IPv4 addresses or CIDR ranges, optional IPv6).
// Entries are separated by newlines, commas or spaces; duplicates are removed; every bad entry is
// named in the error.
import { isIPv4, isIPv6 } from "node:net";
import { ADD_ONS } from "./catalog.ts";

export type AllowlistParse = { ok: true; entries: string[] } | { ok: false; errors: string[] };

function ipv4ToInt(address: string): number {
  return address.split(".").reduce((value, part) => value * 256 + Number(part), 0);
}

function intToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** Canonical form of one entry, or an explanation of what is wrong with it. */
export function parseAllowlistEntry(raw: string): { ok: true; entry: string } | { ok: false; error: string } {
  const [address = "", prefixText, ...rest] = raw.split("/");
  if (rest.length > 0) return { ok: false, error: `"${raw}" is not an IP address or CIDR range.` };
  const v4 = isIPv4(address) && !/(^|\.)0\d/.test(address);
  const v6 = !v4 && isIPv6(address);
  if (!v4 && !v6) return { ok: false, error: `"${raw}" is not an IP address or CIDR range.` };
  if (prefixText === undefined) return { ok: true, entry: v4 ? address : address.toLowerCase() };
  const max = v4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) {
    return { ok: false, error: `"${raw}" has an invalid prefix length (0–${max}).` };
  }
  const prefix = Number(prefixText);
  if (v4) {
    const value = ipv4ToInt(address);
    const size = 2 ** (32 - prefix);
    const network = value - (value % size);
    if (network !== value) {
      return {
        ok: false,
        error: `"${raw}" has host bits set; did you mean ${intToIpv4(network)}/${prefix}?`,
      };
    }
    return { ok: true, entry: prefix === 32 ? address : `${address}/${prefix}` };
  }
  return { ok: true, entry: `${address.toLowerCase()}/${prefix}` };
}

export function parseAllowlist(text: string): AllowlistParse {
  const tokens = text.split(/[\s,]+/).filter((token) => token.length > 0);
  const errors: string[] = [];
  const entries: string[] = [];
  for (const token of tokens) {
    const parsed = parseAllowlistEntry(token);
    if (!parsed.ok) errors.push(parsed.error);
    else if (!entries.includes(parsed.entry)) entries.push(parsed.entry);
  }
  if (errors.length === 0 && entries.length > ADD_ONS.ipAllowlist.maxEntries) {
    errors.push(
      `At most ${ADD_ONS.ipAllowlist.maxEntries} entries are allowed; you entered ${entries.length}.`,
    );
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, entries };
}
