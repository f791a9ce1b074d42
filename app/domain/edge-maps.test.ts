import { describe, expect, it } from "vitest";
import { formatCidr, parseCidr, renderAllowlistMaps, renderApiKeysMap } from "./edge-maps.ts";
import type { VaultCustomer, VaultService } from "./vault.ts";

const HASH = (n: number) => n.toString(16).padStart(64, "0");

function service(overrides: Partial<VaultService>): VaultService {
  return {
    api_keys: [HASH(1)],
    enabled: true,
    ip_allowlist: [],
    limits: { guaranteed_rps: 100, burst_rps: 100, burst_seconds: 0 },
    seal_keys: [],
    service: "seal",
    tier: "starter",
    ...overrides,
  };
}

describe("renderApiKeysMap", () => {
  it("writes one line per key with limits, the edge status, burst seconds and the allowlist flag", () => {
    const map = renderApiKeysMap([
      {
        customer_id: 7,
        status: "active",
        services: [
          service({
            api_keys: [HASH(3), HASH(2)],
            tier: "pro",
            limits: { guaranteed_rps: 500, burst_rps: 1000, burst_seconds: 10 },
            ip_allowlist: ["10.0.0.0/8"],
          }),
          service({ service: "grpc", api_keys: [HASH(4)], enabled: false }),
        ],
      },
      { customer_id: 8, status: "suspended", services: [service({ api_keys: [HASH(1)], enabled: false })] },
    ]);
    expect(map).toBe(
      [
        `${HASH(1)} 8,seal,starter,100,100,suspended,0,0`,
        `${HASH(2)} 7,seal,pro,500,1000,active,10,1`,
        `${HASH(3)} 7,seal,pro,500,1000,active,10,1`,
        `${HASH(4)} 7,grpc,starter,100,100,disabled,0,0`,
        "",
      ].join("\n"),
    );
    expect(renderApiKeysMap([])).toBe("");
  });
});

describe("CIDRs", () => {
  it("parses and prints IPv4 and IPv6 networks the way HAProxy reads them", () => {
    expect(formatCidr(parseCidr("10.0.0.1"))).toBe("10.0.0.1/32");
    expect(formatCidr(parseCidr("203.0.113.0/24"))).toBe("203.0.113.0/24");
    expect(formatCidr(parseCidr("0.0.0.0/0"))).toBe("0.0.0.0/0");
    expect(formatCidr(parseCidr("2001:db8::/32"))).toBe("2001:db8:0:0:0:0:0:0/32");
    expect(formatCidr(parseCidr("::1"))).toBe("0:0:0:0:0:0:0:1/128");
    expect(formatCidr(parseCidr("::ffff:192.0.2.1/128"))).toBe("0:0:0:0:0:ffff:c000:201/128");
    // Host bits are cleared.
    expect(formatCidr(parseCidr("2001:db8::1/64"))).toBe("2001:db8:0:0:0:0:0:0/64");
  });
});

describe("renderAllowlistMaps", () => {
  const customer = (id: number, allowlist: string[], extra: Partial<VaultService> = {}): VaultCustomer => ({
    customer_id: id,
    status: "active",
    services: [service({ ip_allowlist: allowlist, tier: "pro", ...extra })],
  });

  it("lets a broader entry of one customer allow addresses inside another customer's narrower entry", () => {
    const { cidrs, pairs } = renderAllowlistMaps([
      customer(1, ["10.0.0.0/8"]),
      customer(2, ["10.1.0.0/16", "192.0.2.7"]),
      customer(3, ["10.1.2.3"]),
    ]);
    expect(cidrs.trimEnd().split("\n")).toEqual([
      "10.0.0.0/8 10.0.0.0/8",
      "10.1.0.0/16 10.1.0.0/16",
      "10.1.2.3/32 10.1.2.3/32",
      "192.0.2.7/32 192.0.2.7/32",
    ]);
    // 10.1.2.3 (the longest match for that address) is allowed by all three customers.
    expect(pairs.trimEnd().split("\n")).toEqual([
      "10.0.0.0/8|1,seal 1",
      "10.1.0.0/16|1,seal 1",
      "10.1.0.0/16|2,seal 1",
      "10.1.2.3/32|1,seal 1",
      "10.1.2.3/32|2,seal 1",
      "10.1.2.3/32|3,seal 1",
      "192.0.2.7/32|2,seal 1",
    ]);
  });

  it("leaves out services the edge does not know, and is empty without allowlists", () => {
    expect(renderAllowlistMaps([customer(1, ["10.0.0.0/8"], { api_keys: [] })])).toEqual({
      cidrs: "",
      pairs: "",
    });
    expect(renderAllowlistMaps([customer(1, [])])).toEqual({ cidrs: "", pairs: "" });
  });
});
