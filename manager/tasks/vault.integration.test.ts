// The vault (spec §7 "MA_VAULT") built by the manager from real PostgreSQL: the document's shape
// and canonical form, limits from the catalog, what suspended/throttled/disabled/cancelled means
// for the edge, versioning (a new file only when the content changes), the HAProxy map, pruning,
// and the AES-256-GCM envelope.
import { createDecipheriv, createHash, randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { and, asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "#app/domain/clock.ts";
import { MockSealRegistrar } from "#app/domain/seal-registrar.ts";
import {
  type Actor,
  addPackage,
  createSealKey,
  type EnableInput,
  enableService,
  revokeApiKey,
  type ServiceDeps,
  scheduleCancellation,
  setServiceEnabled,
  updateIpAllowlist,
} from "#app/domain/service-operations.ts";
import { canonicalJson } from "#app/domain/vault.ts";
import { parseEnv } from "#app/lib/env.server.ts";
import { createLogger } from "#app/lib/logger.server.ts";
import { apiKeys, customers, sealKeys, serviceInstances, vaultVersions } from "#db/schema/index.ts";
import { fundedCustomer, type TestCustomer } from "#tests/support/billing.ts";
import { withTestDatabase } from "#tests/support/database.ts";
import { serviceDeps } from "#tests/support/deps.ts";
import { runCycle } from "../cycle.ts";
import { sealRegistrationsTask } from "./seal-registrations.ts";
import { VAULT_FILES_KEPT, vaultTask } from "./vault.ts";

const database = withTestDatabase();
const clock = fixedClock("2026-11-15T09:00:00Z");
const logger = createLogger({ level: "silent" });
let deps: ServiceDeps;
const tempDirs: string[] = [];

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "suiftly-vault-test-"));
  tempDirs.push(dir);
  return dir;
}

function cycleDeps(vars: Record<string, string>) {
  const handle = database.current.handle;
  return {
    ...deps,
    database: handle,
    env: parseEnv({ APP_ENV: "test", ...vars }),
    logger,
  };
}

async function runVault(vars: Record<string, string>) {
  const result = await runCycle(cycleDeps(vars), [vaultTask]);
  expect(result.status).toBe("ok");
  return result.tasks[0]?.detail as {
    written: boolean;
    seq: number;
    contentHash: string;
    customers: number;
    bytes?: number;
  };
}

const actorOf = (customer: TestCustomer): Actor => ({
  customerId: customer.customerId,
  address: customer.walletAddress,
  ip: "198.51.100.7",
});

async function customerWith(...services: Array<Partial<EnableInput>>) {
  const customer = await fundedCustomer(deps, 100_000);
  const actor = actorOf(customer);
  const keys: Record<string, string[]> = {};
  for (const overrides of services) {
    const input: EnableInput = {
      serviceType: "seal",
      tier: "starter",
      burstEnabled: false,
      apiKeys: 1,
      sealKeys: 0,
      requestId: randomUUID(),
      ...overrides,
    };
    const result = await enableService(deps, actor, input);
    keys[input.serviceType] = result.createdKeys.map(sha256);
  }
  return { customer, actor, id: customer.customerId, keys };
}

async function sealKeysOf(customerId: number) {
  return deps.db.select().from(sealKeys).where(eq(sealKeys.customerId, customerId)).orderBy(asc(sealKeys.id));
}

async function apiKeyId(keyHash: string): Promise<number> {
  const [row] = await deps.db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.keyHash, keyHash));
  if (!row) throw new Error("no such key");
  return row.id;
}

async function mockObjectId(derivationIndex: number): Promise<string> {
  return (await new MockSealRegistrar().register({ derivationIndex, packageIds: [] })).objectId;
}

interface ExpectedService {
  service: string;
  tier: string;
  enabled: boolean;
  limits: { guaranteed_rps: number; burst_rps: number; burst_seconds: number };
  api_keys: string[];
  ip_allowlist: string[];
  seal_keys: Array<{ derivation_index: number; object_id: string; package_ids: string[] }>;
}
interface ExpectedCustomer {
  customer_id: number;
  status: string;
  services: ExpectedService[];
}

const starter = { guaranteed_rps: 100, burst_rps: 100, burst_seconds: 0 };
const proBurst = { guaranteed_rps: 500, burst_rps: 1000, burst_seconds: 10 };
const pro = { guaranteed_rps: 500, burst_rps: 500, burst_seconds: 0 };

function mapLines(expected: ExpectedCustomer[]): string {
  const lines = expected.flatMap((customer) =>
    customer.services.flatMap((service) =>
      service.api_keys.map(
        (hash) =>
          `${hash} ${customer.customer_id},${service.service},${service.tier},${service.limits.guaranteed_rps},${service.limits.burst_rps},${customer.status === "suspended" || service.enabled ? customer.status : "disabled"},${service.limits.burst_seconds},${service.ip_allowlist.length > 0 ? 1 : 0}`,
      ),
    ),
  );
  lines.sort();
  return lines.length ? `${lines.join("\n")}\n` : "";
}

const vaultDir = { current: "" };
let expected: ExpectedCustomer[] = [];
let firstFile = "";
/** A's Seal key that gets revoked in the "a change" test. */
let keyToRevoke = "";
let disabledActor: Actor;

beforeAll(async () => {
  deps = serviceDeps(database.current.handle, clock);
  vaultDir.current = await tempDir();

  // B: Seal Pro with burst, an IP allowlist, two Seal keys that get registered, and gRPC Starter.
  const b = await customerWith(
    { tier: "pro", burstEnabled: true, apiKeys: 2, sealKeys: 2 },
    {
      serviceType: "grpc",
    },
  );
  await updateIpAllowlist(deps, b.actor, {
    serviceType: "seal",
    text: "203.0.113.0/24, 10.0.0.1\n2001:DB8::/32 192.0.2.9",
  });
  // D: suspended (and overdue) — its API key is listed so the edge can answer 403, its registered
  // Seal key is not served.
  const d = await customerWith({ tier: "starter", apiKeys: 1, sealKeys: 1 });
  // E: Seal Pro turned off — same, with `disabled` in the map.
  const e = await customerWith({ tier: "pro", apiKeys: 2, sealKeys: 1 });

  const registrations = await runCycle(cycleDeps({ VAULT_DIR: vaultDir.current }), [
    sealRegistrationsTask(new MockSealRegistrar()),
  ]);
  expect(registrations.tasks[0]?.detail).toMatchObject({ registered: 4, failed: 0 });

  // B's first key gets packages (in unsorted order) and is then `updating`; a third key is only
  // `registering`.
  const [b1, b2] = await sealKeysOf(b.id);
  if (!b1 || !b2) throw new Error("B's Seal keys are missing");
  const packageHigh = `0x${sha256("package high").replace(/^./, "f")}`;
  const packageLow = `0x${sha256("package low").replace(/^./, "0")}`;
  for (const packageId of [packageHigh, packageLow]) {
    await addPackage(deps, b.actor, { keyId: b1.id, packageId, name: null, requestId: randomUUID() });
  }
  await createSealKey(deps, b.actor, { name: "not yet registered", requestId: randomUUID() });
  const bStates = (await sealKeysOf(b.id)).map((key) => key.state);
  expect(bStates).toEqual(["updating", "registered", "registering"]);

  await deps.db
    .update(customers)
    .set({
      status: "suspended",
      suspendedAt: clock.now(),
      paymentOverdueSince: new Date("2026-11-01T00:00:00Z"),
    })
    .where(eq(customers.customerId, d.id));
  await setServiceEnabled(deps, e.actor, "seal", false);
  disabledActor = e.actor;

  // A: Seal Starter with three keys, one revoked; gRPC Starter. A Starter allowlist (which the
  // operations refuse, but a row could carry after a downgrade) never reaches the vault.
  const a = await customerWith({ tier: "starter", apiKeys: 3 }, { serviceType: "grpc", tier: "starter" });
  const [revoked, ...activeSeal] = a.keys.seal ?? [];
  if (!revoked) throw new Error("A has no keys");
  await revokeApiKey(deps, a.actor, { serviceType: "seal", keyId: await apiKeyId(revoked) });
  await deps.db
    .update(serviceInstances)
    .set({ ipAllowlist: ["10.0.0.0/8"] })
    .where(and(eq(serviceInstances.customerId, a.id), eq(serviceInstances.serviceType, "seal")));
  keyToRevoke = activeSeal[0] ?? "";

  // C: throttled (a failed invoice), with Pro + burst and Starter: half the guaranteed rate.
  const c = await customerWith({ tier: "pro", burstEnabled: true }, { serviceType: "grpc" });
  await deps.db
    .update(customers)
    .set({ paymentOverdueSince: new Date("2026-11-14T00:00:00Z") })
    .where(eq(customers.customerId, c.id));

  // F: its only service is cancelled — absent altogether. G: Seal cancelled, gRPC scheduled to
  // stop at month end (still running).
  const f = await customerWith({ tier: "starter" });
  const g = await customerWith({ tier: "starter" }, { serviceType: "grpc" });
  await deps.db
    .update(serviceInstances)
    .set({ state: "cancelled", cancelledAt: clock.now() })
    .where(
      and(
        eq(serviceInstances.serviceType, "seal"),
        sql`${serviceInstances.customerId} in (${f.id}, ${g.id})`,
      ),
    );
  await scheduleCancellation(deps, g.actor, "grpc");

  const sorted = (list: string[]) => [...list].sort();
  expected = [
    {
      customer_id: a.id,
      status: "active",
      services: [
        {
          service: "grpc",
          tier: "starter",
          enabled: true,
          limits: starter,
          api_keys: a.keys.grpc ?? [],
          ip_allowlist: [],
          seal_keys: [],
        },
        {
          service: "seal",
          tier: "starter",
          enabled: true,
          limits: starter,
          api_keys: sorted(activeSeal),
          ip_allowlist: [],
          seal_keys: [],
        },
      ],
    },
    {
      customer_id: b.id,
      status: "active",
      services: [
        {
          service: "grpc",
          tier: "starter",
          enabled: true,
          limits: starter,
          api_keys: b.keys.grpc ?? [],
          ip_allowlist: [],
          seal_keys: [],
        },
        {
          service: "seal",
          tier: "pro",
          enabled: true,
          limits: proBurst,
          api_keys: sorted(b.keys.seal ?? []),
          ip_allowlist: ["10.0.0.1", "192.0.2.9", "2001:db8::/32", "203.0.113.0/24"],
          seal_keys: [
            {
              derivation_index: b1.derivationIndex,
              object_id: await mockObjectId(b1.derivationIndex),
              package_ids: [packageLow, packageHigh],
            },
            {
              derivation_index: b2.derivationIndex,
              object_id: await mockObjectId(b2.derivationIndex),
              package_ids: [],
            },
          ],
        },
      ],
    },
    {
      customer_id: c.id,
      status: "throttled",
      services: [
        {
          service: "grpc",
          tier: "starter",
          enabled: true,
          limits: { guaranteed_rps: 50, burst_rps: 50, burst_seconds: 0 },
          api_keys: c.keys.grpc ?? [],
          ip_allowlist: [],
          seal_keys: [],
        },
        {
          service: "seal",
          tier: "pro",
          enabled: true,
          limits: { guaranteed_rps: 250, burst_rps: 500, burst_seconds: 10 },
          api_keys: c.keys.seal ?? [],
          ip_allowlist: [],
          seal_keys: [],
        },
      ],
    },
    {
      customer_id: d.id,
      status: "suspended",
      services: [
        {
          service: "seal",
          tier: "starter",
          enabled: false,
          limits: starter,
          api_keys: sorted(d.keys.seal ?? []),
          ip_allowlist: [],
          seal_keys: [],
        },
      ],
    },
    {
      customer_id: e.id,
      status: "active",
      services: [
        {
          service: "seal",
          tier: "pro",
          enabled: false,
          limits: pro,
          api_keys: sorted(e.keys.seal ?? []),
          ip_allowlist: [],
          seal_keys: [],
        },
      ],
    },
    {
      customer_id: g.id,
      status: "active",
      services: [
        {
          service: "grpc",
          tier: "starter",
          enabled: true,
          limits: starter,
          api_keys: g.keys.grpc ?? [],
          ip_allowlist: [],
          seal_keys: [],
        },
      ],
    },
  ].sort((x, y) => x.customer_id - y.customer_id);
});

afterAll(async () => {
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

const vaultFiles = async (dir: string) =>
  (await readdir(dir)).filter((name) => name.startsWith("ma-")).sort();
const versionRows = () => deps.db.select().from(vaultVersions).orderBy(asc(vaultVersions.seq));

describe("vault task", () => {
  it("writes ma-000000001.json: the canonical document of spec §7", async () => {
    const detail = await runVault({ VAULT_DIR: vaultDir.current });
    expect(detail).toMatchObject({ written: true, seq: 1, customers: expected.length });

    expect(await vaultFiles(vaultDir.current)).toEqual(["ma-000000001.json"]);
    const file = await readFile(path.join(vaultDir.current, "ma-000000001.json"), "utf8");
    firstFile = file;
    const document = JSON.parse(file);
    // Canonical: keys sorted at every level, no whitespace.
    expect(file).toBe(canonicalJson(document));
    expect(Object.keys(document)).toEqual(["content_hash", "customers", "format", "seq"]);
    expect(document.format).toBe(1);
    expect(document.seq).toBe(1);
    expect(document.content_hash).toBe(sha256(canonicalJson(document.customers)));
    expect(document.content_hash).toBe(detail.contentHash);

    // Sorted by customer id; services by name; keys, allowlists and packages sorted; revoked
    // keys, unregistered Seal keys, cancelled services and their customers absent.
    expect(document.customers).toEqual(expected);

    const [row] = await versionRows();
    expect(row).toMatchObject({
      seq: 1,
      contentHash: document.content_hash,
      fileName: "ma-000000001.json",
      customerCount: expected.length,
      bytes: Buffer.byteLength(file),
      encrypted: "none",
      createdAt: clock.now(),
    });
  });

  it("renders api_keys.map: one sorted line per active key, with what the edge must do with it", async () => {
    const map = await readFile(path.join(vaultDir.current, "api_keys.map"), "utf8");
    expect(map).toBe(mapLines(expected));
    const lines = map.trimEnd().split("\n");
    expect(lines).toEqual([...lines].sort());
    for (const line of lines) {
      expect(line).toMatch(
        /^[0-9a-f]{64} \d+,(seal|grpc),(starter|pro|business),\d+,\d+,(active|throttled|suspended|disabled),\d+,[01]$/,
      );
    }
    // The throttled customer's keys carry its halved limits and status.
    const throttled = expected.find((customer) => customer.status === "throttled");
    const proKey = throttled?.services.find((service) => service.service === "seal")?.api_keys[0];
    expect(map).toContain(`${proKey} ${throttled?.customer_id},seal,pro,250,500,throttled,10,0\n`);
    expect(map).toMatch(/,suspended,0,0\n/);
    expect(map).toMatch(/,seal,pro,500,500,disabled,0,0\n/);
    expect(await readFile(path.join(vaultDir.current, "maps.format"), "utf8")).toBe("2\n");
  });

  it("renders the IP allowlist maps: every CIDR, and which services allow it", async () => {
    const b = expected.find((customer) =>
      customer.services.some((service) => service.ip_allowlist.length > 0),
    );
    const cidrs = await readFile(path.join(vaultDir.current, "ip_allowlist_cidrs.map"), "utf8");
    expect(cidrs).toBe(
      [
        "10.0.0.1/32 10.0.0.1/32",
        "192.0.2.9/32 192.0.2.9/32",
        "2001:db8:0:0:0:0:0:0/32 2001:db8:0:0:0:0:0:0/32",
        "203.0.113.0/24 203.0.113.0/24",
        "",
      ].join("\n"),
    );
    const pairs = await readFile(path.join(vaultDir.current, "ip_allowlist_pairs.map"), "utf8");
    expect(pairs.trimEnd().split("\n")).toEqual(
      ["10.0.0.1/32", "192.0.2.9/32", "2001:db8:0:0:0:0:0:0/32", "203.0.113.0/24"].map(
        (cidr) => `${cidr}|${b?.customer_id},seal 1`,
      ),
    );
  });

  it("writes nothing new for the same database state", async () => {
    const before = await stat(path.join(vaultDir.current, "ma-000000001.json"));
    const detail = await runVault({ VAULT_DIR: vaultDir.current });
    expect(detail).toMatchObject({ written: false, seq: 1 });
    expect(await vaultFiles(vaultDir.current)).toEqual(["ma-000000001.json"]);
    expect(await versionRows()).toHaveLength(1);
    const after = await stat(path.join(vaultDir.current, "ma-000000001.json"));
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(await readFile(path.join(vaultDir.current, "ma-000000001.json"), "utf8")).toBe(firstFile);
  });

  it("rebuilds byte-identical JSON from the same state", async () => {
    // The file went missing: rewritten under the same version.
    await rm(path.join(vaultDir.current, "ma-000000001.json"));
    expect(await runVault({ VAULT_DIR: vaultDir.current })).toMatchObject({ written: true, seq: 1 });
    expect(await readFile(path.join(vaultDir.current, "ma-000000001.json"), "utf8")).toBe(firstFile);
    expect(await versionRows()).toHaveLength(1);

    // From scratch: no file, no recorded version.
    await rm(path.join(vaultDir.current, "ma-000000001.json"));
    await deps.db.delete(vaultVersions);
    expect(await runVault({ VAULT_DIR: vaultDir.current })).toMatchObject({ written: true, seq: 1 });
    expect(await readFile(path.join(vaultDir.current, "ma-000000001.json"), "utf8")).toBe(firstFile);
    expect((await versionRows()).map((row) => row.seq)).toEqual([1]);
  });

  it("writes seq 2 with a new hash after a change (a revoked key stops at the next vault)", async () => {
    const [key] = await deps.db.select().from(apiKeys).where(eq(apiKeys.keyHash, keyToRevoke));
    const [owner] = await deps.db
      .select()
      .from(customers)
      .where(eq(customers.customerId, key?.customerId ?? 0));
    const before = expected.find((customer) => customer.customer_id === owner?.customerId);
    if (!key || !owner || !before) throw new Error("key not found");
    await revokeApiKey(
      deps,
      { customerId: owner.customerId, address: owner.walletAddress, ip: null },
      { serviceType: "seal", keyId: key.id },
    );

    const detail = await runVault({ VAULT_DIR: vaultDir.current });
    expect(detail).toMatchObject({ written: true, seq: 2 });
    expect(await vaultFiles(vaultDir.current)).toEqual(["ma-000000001.json", "ma-000000002.json"]);
    const second = JSON.parse(await readFile(path.join(vaultDir.current, "ma-000000002.json"), "utf8"));
    const first = JSON.parse(firstFile);
    expect(second.seq).toBe(2);
    expect(second.content_hash).not.toBe(first.content_hash);
    expect(second.content_hash).toBe(sha256(canonicalJson(second.customers)));

    const seal = before.services.find((service) => service.service === "seal");
    if (!seal) throw new Error("no seal service");
    seal.api_keys = seal.api_keys.filter((hash) => hash !== keyToRevoke);
    expect(seal.api_keys.length).toBeGreaterThan(0);
    expect(second.customers).toEqual(expected);
    const map = await readFile(path.join(vaultDir.current, "api_keys.map"), "utf8");
    expect(map).not.toContain(keyToRevoke);
    expect(map).toBe(mapLines(expected));
    expect((await versionRows()).map((v) => [v.seq, v.contentHash])).toEqual([
      [1, first.content_hash],
      [2, second.content_hash],
    ]);
  });

  it(`keeps only the newest ${VAULT_FILES_KEPT} vault files`, async () => {
    // Pretend versions 3–40 were written before.
    for (let seq = 3; seq <= 40; seq++) {
      await writeFile(path.join(vaultDir.current, `ma-${String(seq).padStart(9, "0")}.json`), "{}");
    }
    await deps.db.insert(vaultVersions).values({
      seq: 40,
      contentHash: "0".repeat(64),
      fileName: "ma-000000040.json",
      customerCount: 0,
      bytes: 2,
      createdAt: clock.now(),
    });
    await setServiceEnabled(deps, disabledActor, "seal", true);
    expect(await runVault({ VAULT_DIR: vaultDir.current })).toMatchObject({ written: true, seq: 41 });
    const files = await vaultFiles(vaultDir.current);
    expect(files).toHaveLength(VAULT_FILES_KEPT);
    expect(files[0]).toBe("ma-000000022.json");
    expect(files.at(-1)).toBe("ma-000000041.json");
    // The database keeps every version's record.
    expect((await versionRows()).map((row) => row.seq)).toEqual([1, 2, 40, 41]);
  });

  it("with VAULT_KEY writes a deterministic AES-256-GCM envelope of exactly the plaintext document", async () => {
    const vaultKey = sha256("vault key for tests");
    const plainDir = await tempDir();
    const encryptedDir = await tempDir();

    await deps.db.delete(vaultVersions);
    expect(await runVault({ VAULT_DIR: plainDir })).toMatchObject({ written: true, seq: 1 });
    const plaintext = await readFile(path.join(plainDir, "ma-000000001.json"), "utf8");

    await deps.db.delete(vaultVersions);
    const detail = await runVault({ VAULT_DIR: encryptedDir, VAULT_KEY: vaultKey });
    expect(detail).toMatchObject({ written: true, seq: 1 });
    const file = await readFile(path.join(encryptedDir, "ma-000000001.json"), "utf8");
    expect(file).not.toContain("customers");
    const envelope = JSON.parse(file);
    expect(file).toBe(canonicalJson(envelope));
    expect(Object.keys(envelope)).toEqual(["alg", "ciphertext", "format", "iv", "tag"]);
    expect(envelope).toMatchObject({ alg: "aes-256-gcm", format: 1 });
    const [row] = await versionRows();
    expect(row).toMatchObject({ seq: 1, encrypted: "aes-256-gcm", bytes: Buffer.byteLength(file) });
    expect(row?.contentHash).toBe(JSON.parse(plaintext).content_hash);

    const decrypt = (ciphertext: Buffer) => {
      const decipher = createDecipheriv(
        "aes-256-gcm",
        Buffer.from(vaultKey, "hex"),
        Buffer.from(envelope.iv, "base64"),
      );
      decipher.setAuthTag(Buffer.from(envelope.tag, "base64"));
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
    };
    const ciphertext = Buffer.from(envelope.ciphertext, "base64");
    expect(Buffer.from(envelope.iv, "base64")).toHaveLength(12);
    expect(Buffer.from(envelope.tag, "base64")).toHaveLength(16);
    expect(decrypt(ciphertext)).toBe(plaintext);
    // Authenticated: a flipped bit is refused.
    const tampered = Buffer.from(ciphertext);
    tampered[0] = (tampered[0] ?? 0) ^ 1;
    expect(() => decrypt(tampered)).toThrow();

    // The same state encrypts to the same bytes.
    await rm(path.join(encryptedDir, "ma-000000001.json"));
    await deps.db.delete(vaultVersions);
    expect(await runVault({ VAULT_DIR: encryptedDir, VAULT_KEY: vaultKey })).toMatchObject({
      written: true,
      seq: 1,
    });
    expect(await readFile(path.join(encryptedDir, "ma-000000001.json"), "utf8")).toBe(file);

    // Turning encryption off (or on) writes a new version of the same content.
    expect(await runVault({ VAULT_DIR: encryptedDir })).toMatchObject({ written: true, seq: 2 });
    expect(JSON.parse(await readFile(path.join(encryptedDir, "ma-000000002.json"), "utf8"))).toMatchObject({
      content_hash: row?.contentHash,
      seq: 2,
    });
    expect(await runVault({ VAULT_DIR: encryptedDir })).toMatchObject({ written: false, seq: 2 });
  });
});
