// The HAProxy map files rendered from the vault (spec §7, README "Edge"): what the reference
// configuration in scripts/haproxy/ looks up on every request. Written by the manager's vault task
// beside `ma-<seq>.json`; applied to a running HAProxy by scripts/haproxy/apply-maps.py.
//
//   api_keys.map            <sha256(key)> <customer_id>,<service>,<tier>,<guaranteed_rps>,<burst_rps>,
//                                         <status>,<burst_seconds>,<restricted>
//   ip_allowlist_cidrs.map  <cidr> <cidr>                 every CIDR of every allowlist (map_ip)
//   ip_allowlist_pairs.map  <cidr>|<customer_id>,<service> 1
//
// `status` is the customer's vault status (active | throttled | suspended), or `disabled` when the
// customer is in good standing but turned the service off; the edge serves only `active` and
// `throttled`. `restricted` is 1 when the service has an IP allowlist.
//
// The allowlist check needs no per-customer configuration in HAProxy: `map_ip` finds the longest
// listed CIDR containing the client address, and the pairs map says which services allow that
// CIDR. Two CIDRs that contain the same address are nested, so a service allows the client exactly
// when one of its entries contains that longest match — the pairs map lists, for every listed CIDR,
// every service with an entry containing it.
import { isIPv4 } from "node:net";
import type { VaultCustomer } from "./vault.ts";

export const EDGE_MAP_FILES = {
  apiKeys: "api_keys.map",
  allowlistCidrs: "ip_allowlist_cidrs.map",
  allowlistPairs: "ip_allowlist_pairs.map",
  /** Holds EDGE_MAPS_FORMAT: maps in an older format are rewritten even when the vault is not. */
  format: "maps.format",
} as const;

/** Bumped whenever the map files' layout changes (2: status `disabled`, burst seconds, allowlists). */
export const EDGE_MAPS_FORMAT = "2";

/** What the edge does with a key's requests, by the `status` field of api_keys.map. */
export const EDGE_SERVING_STATUSES = ["active", "throttled"] as const;

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const lines = (list: string[]) => (list.length ? `${list.sort(byString).join("\n")}\n` : "");

export function renderApiKeysMap(customers: readonly VaultCustomer[]): string {
  const out: string[] = [];
  for (const customer of customers) {
    for (const service of customer.services) {
      const status = customer.status === "suspended" || service.enabled ? customer.status : "disabled";
      const restricted = service.ip_allowlist.length > 0 ? 1 : 0;
      const { guaranteed_rps, burst_rps, burst_seconds } = service.limits;
      for (const hash of service.api_keys) {
        out.push(
          `${hash} ${customer.customer_id},${service.service},${service.tier},${guaranteed_rps},${burst_rps},${status},${burst_seconds},${restricted}`,
        );
      }
    }
  }
  return lines(out);
}

interface Cidr {
  family: 4 | 6;
  network: bigint;
  prefix: number;
}

const WIDTH = { 4: 32, 6: 128 } as const;

function ipv6ToBigInt(address: string): bigint {
  let text = address.toLowerCase();
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const parts = v4[1].split(".").map(Number);
    const high = (((parts[0] ?? 0) << 8) | (parts[1] ?? 0)).toString(16);
    const low = (((parts[2] ?? 0) << 8) | (parts[3] ?? 0)).toString(16);
    text = `${text.slice(0, -v4[1].length)}${high}:${low}`;
  }
  const [head = "", tail] = text.split("::");
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const groups =
    tail === undefined
      ? headGroups
      : [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill("0"), ...tailGroups];
  return groups.reduce((value, group) => (value << 16n) | BigInt(Number.parseInt(group || "0", 16)), 0n);
}

/** A canonical allowlist entry ("203.0.113.0/24", "10.0.0.1", "2001:db8::/32") as a network. */
export function parseCidr(entry: string): Cidr {
  const [address = "", prefixText] = entry.split("/");
  const family = isIPv4(address) ? 4 : 6;
  const width = WIDTH[family];
  const prefix = prefixText === undefined ? width : Number(prefixText);
  const value =
    family === 4
      ? address.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n)
      : ipv6ToBigInt(address);
  const hostBits = BigInt(width - prefix);
  return { family, prefix, network: (value >> hostBits) << hostBits };
}

/** The CIDR in the form HAProxy's map_ip reads: dotted IPv4 or full (uncompressed) IPv6. */
export function formatCidr(cidr: Cidr): string {
  if (cidr.family === 4) {
    const octets = [24n, 16n, 8n, 0n].map((shift) => String((cidr.network >> shift) & 255n));
    return `${octets.join(".")}/${cidr.prefix}`;
  }
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n)
    groups.push(((cidr.network >> shift) & 0xffffn).toString(16));
  return `${groups.join(":")}/${cidr.prefix}`;
}

function networkKey(family: 4 | 6, network: bigint, prefix: number): string {
  return `${family}/${prefix}/${network.toString(16)}`;
}

export function renderAllowlistMaps(customers: readonly VaultCustomer[]): { cidrs: string; pairs: string } {
  // Every (network → services allowing it) from the allowlists of services the edge knows.
  const allowedBy = new Map<string, Set<string>>();
  const listed = new Map<string, Cidr>();
  for (const customer of customers) {
    for (const service of customer.services) {
      if (service.api_keys.length === 0) continue;
      const owner = `${customer.customer_id},${service.service}`;
      for (const entry of service.ip_allowlist) {
        const cidr = parseCidr(entry);
        const key = networkKey(cidr.family, cidr.network, cidr.prefix);
        listed.set(key, cidr);
        const owners = allowedBy.get(key) ?? new Set<string>();
        owners.add(owner);
        allowedBy.set(key, owners);
      }
    }
  }
  const cidrs: string[] = [];
  const pairs: string[] = [];
  for (const cidr of listed.values()) {
    const text = formatCidr(cidr);
    cidrs.push(`${text} ${text}`);
    // Services with an entry containing this CIDR: the same network at every shorter prefix.
    const owners = new Set<string>();
    const width = WIDTH[cidr.family];
    for (let prefix = 0; prefix <= cidr.prefix; prefix++) {
      const hostBits = BigInt(width - prefix);
      const network = (cidr.network >> hostBits) << hostBits;
      for (const owner of allowedBy.get(networkKey(cidr.family, network, prefix)) ?? []) owners.add(owner);
    }
    for (const owner of owners) pairs.push(`${text}|${owner} 1`);
  }
  return { cidrs: lines(cidrs), pairs: lines(pairs) };
}
