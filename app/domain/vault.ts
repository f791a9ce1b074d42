// The vault (spec §7 "MA_VAULT"): the configuration the edge enforces, built from the database.
// A canonical JSON document — keys sorted, no whitespace — so the same database state always
// produces the same bytes and the same content hash.
import { createCipheriv, createHash, createHmac } from "node:crypto";
import { and, asc, eq, inArray, isNotNull, isNull, ne } from "drizzle-orm";
import type { Queryable } from "#db/client.ts";
import { apiKeys, customers, sealKeys, sealPackages, serviceInstances } from "#db/schema/index.ts";
import { type TierId, tierDefinition } from "./catalog.ts";

export type VaultStatus = "active" | "throttled" | "suspended";

export interface VaultLimits {
  burst_rps: number;
  burst_seconds: number;
  /** 0 means "no limit set here": Enterprise limits are enforced by contract. */
  guaranteed_rps: number;
}

export interface VaultSealKey {
  derivation_index: number;
  object_id: string;
  package_ids: string[];
}

export interface VaultService {
  api_keys: string[];
  enabled: boolean;
  ip_allowlist: string[];
  limits: VaultLimits;
  seal_keys: VaultSealKey[];
  service: string;
  tier: string;
}

export interface VaultCustomer {
  customer_id: number;
  services: VaultService[];
  status: VaultStatus;
}

/** Throttled customers get half their guaranteed rate (spec §3 billing rule 4). */
export const THROTTLE_FACTOR = 0.5;

export function vaultLimits(tier: TierId, burstEnabled: boolean, status: VaultStatus): VaultLimits {
  const definition = tierDefinition(tier);
  if (definition.guaranteedRps === null) return { burst_rps: 0, burst_seconds: 0, guaranteed_rps: 0 };
  const guaranteed =
    status === "throttled"
      ? Math.floor(definition.guaranteedRps * THROTTLE_FACTOR)
      : definition.guaranteedRps;
  if (burstEnabled && definition.burst) {
    return {
      burst_rps: Math.floor(guaranteed * definition.burst.multiplier),
      burst_seconds: definition.burst.seconds,
      guaranteed_rps: guaranteed,
    };
  }
  return { burst_rps: guaranteed, burst_seconds: 0, guaranteed_rps: guaranteed };
}

const byNumber = (a: number, b: number) => a - b;
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Every customer with a running service, with what the edge needs. API keys are listed for every
 * running service, so the edge can tell a key it must refuse (suspended customer or service
 * turned off: 403) from an unknown one (401); Seal keys only where requests are served.
 * Cancelled services are gone.
 */
export async function buildVaultCustomers(db: Queryable): Promise<VaultCustomer[]> {
  const services = await db
    .select({
      id: serviceInstances.id,
      customerId: serviceInstances.customerId,
      serviceType: serviceInstances.serviceType,
      tier: serviceInstances.tier,
      burstEnabled: serviceInstances.burstEnabled,
      enabled: serviceInstances.enabled,
      ipAllowlist: serviceInstances.ipAllowlist,
      customerStatus: customers.status,
      overdueSince: customers.paymentOverdueSince,
    })
    .from(serviceInstances)
    .innerJoin(customers, eq(customers.customerId, serviceInstances.customerId))
    .where(
      and(inArray(serviceInstances.state, ["active", "cancel_scheduled"]), ne(customers.status, "closed")),
    );

  const keys = await db
    .select({ serviceInstanceId: apiKeys.serviceInstanceId, keyHash: apiKeys.keyHash })
    .from(apiKeys)
    .innerJoin(serviceInstances, eq(serviceInstances.id, apiKeys.serviceInstanceId))
    .where(
      and(
        isNull(apiKeys.revokedAt),
        isNull(apiKeys.deletedAt),
        inArray(serviceInstances.state, ["active", "cancel_scheduled"]),
      ),
    );
  const keysByService = new Map<number, string[]>();
  for (const key of keys) {
    const list = keysByService.get(key.serviceInstanceId);
    if (list) list.push(key.keyHash);
    else keysByService.set(key.serviceInstanceId, [key.keyHash]);
  }

  const seals = await db
    .select({
      id: sealKeys.id,
      serviceInstanceId: sealKeys.serviceInstanceId,
      derivationIndex: sealKeys.derivationIndex,
      objectId: sealKeys.objectId,
    })
    .from(sealKeys)
    .where(and(inArray(sealKeys.state, ["registered", "updating"]), isNotNull(sealKeys.objectId)))
    .orderBy(asc(sealKeys.derivationIndex));
  const packages = seals.length
    ? await db
        .select({ sealKeyId: sealPackages.sealKeyId, packageId: sealPackages.packageId })
        .from(sealPackages)
        .innerJoin(sealKeys, eq(sealKeys.id, sealPackages.sealKeyId))
        .where(and(inArray(sealKeys.state, ["registered", "updating"]), isNotNull(sealKeys.objectId)))
    : [];
  const packagesByKey = new Map<number, string[]>();
  for (const row of packages) {
    const list = packagesByKey.get(row.sealKeyId);
    if (list) list.push(row.packageId);
    else packagesByKey.set(row.sealKeyId, [row.packageId]);
  }
  const sealsByService = new Map<number, VaultSealKey[]>();
  for (const seal of seals) {
    const entry: VaultSealKey = {
      derivation_index: seal.derivationIndex,
      object_id: seal.objectId ?? "",
      package_ids: (packagesByKey.get(seal.id) ?? []).sort(byString),
    };
    const list = sealsByService.get(seal.serviceInstanceId);
    if (list) list.push(entry);
    else sealsByService.set(seal.serviceInstanceId, [entry]);
  }

  const byCustomer = new Map<number, VaultCustomer>();
  for (const service of services) {
    const status: VaultStatus =
      service.customerStatus === "suspended" ? "suspended" : service.overdueSince ? "throttled" : "active";
    const serving = service.enabled && status !== "suspended";
    const entry: VaultService = {
      api_keys: (keysByService.get(service.id) ?? []).sort(byString),
      enabled: service.enabled && status !== "suspended",
      ip_allowlist: tierDefinition(service.tier).ipAllowlist ? [...service.ipAllowlist].sort(byString) : [],
      limits: vaultLimits(service.tier, service.burstEnabled, status),
      seal_keys: serving
        ? (sealsByService.get(service.id) ?? []).sort((a, b) =>
            byNumber(a.derivation_index, b.derivation_index),
          )
        : [],
      service: service.serviceType,
      tier: service.tier,
    };
    const customer = byCustomer.get(service.customerId);
    if (customer) customer.services.push(entry);
    else byCustomer.set(service.customerId, { customer_id: service.customerId, services: [entry], status });
  }
  const result = [...byCustomer.values()].sort((a, b) => byNumber(a.customer_id, b.customer_id));
  for (const customer of result) customer.services.sort((a, b) => byString(a.service, b.service));
  return result;
}

/** JSON with object keys sorted at every level and no whitespace. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => byString(a, b));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export interface VaultContent {
  /** The canonical JSON of the `customers` list. */
  customersJson: string;
  contentHash: string;
}

export interface VaultDocument {
  seq: number;
  contentHash: string;
  /** The canonical JSON text of the whole document. */
  json: string;
}

/**
 * The customers part and its hash, computed once per build. The objects above are built with
 * their keys already in sorted order, so JSON.stringify yields the canonical form without
 * re-sorting a large document.
 */
export function vaultContent(customers: VaultCustomer[]): VaultContent {
  const customersJson = JSON.stringify(customers);
  return { customersJson, contentHash: sha256Hex(customersJson) };
}

export function vaultDocument(content: VaultContent, seq: number): VaultDocument {
  return {
    seq,
    contentHash: content.contentHash,
    json: `{"content_hash":"${content.contentHash}","customers":${content.customersJson},"format":1,"seq":${seq}}`,
  };
}

export function vaultFileName(seq: number): string {
  return `ma-${String(seq).padStart(9, "0")}.json`;
}

/**
 * AES-256-GCM with a synthetic IV (HMAC of the plaintext): the same vault encrypts to the same
 * bytes, and an IV is only ever reused for identical plaintext.
 */
export function encryptVault(json: string, keyHex: string): string {
  const key = Buffer.from(keyHex, "hex");
  const iv = createHmac("sha256", key).update(json).digest().subarray(0, 12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const ciphertext = Buffer.concat([cipher.update(json, "utf8"), cipher.final()]);
  return canonicalJson({
    alg: "aes-256-gcm",
    ciphertext: ciphertext.toString("base64"),
    format: 1,
    iv: iv.toString("base64"),
    tag: cipher.getAuthTag().toString("base64"),
  });
}
