// Seal registrations (spec §7.5) on real PostgreSQL: registering → registered with the registrar's
// public key and object id, registered → updating → registered after package changes (with the
// sorted package list), and exponential backoff while the registrar fails.
import { createHash, randomUUID } from "node:crypto";
import { asc, eq } from "drizzle-orm";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "#app/domain/clock.ts";
import { MockSealRegistrar, type SealRegistrar, type SealRegistration } from "#app/domain/seal-registrar.ts";
import {
  type Actor,
  addPackage,
  createSealKey,
  enableService,
  type ServiceDeps,
} from "#app/domain/service-operations.ts";
import { parseEnv } from "#app/lib/env.server.ts";
import { createLogger } from "#app/lib/logger.server.ts";
import { sealKeys } from "#db/schema/index.ts";
import { fundedCustomer } from "#tests/support/billing.ts";
import { withTestDatabase } from "#tests/support/database.ts";
import { serviceDeps } from "#tests/support/deps.ts";
import { runCycle } from "../cycle.ts";
import { backoffMs, sealRegistrationsTask } from "./seal-registrations.ts";

const database = withTestDatabase();
const clock = fixedClock("2026-11-15T09:00:00Z");
let deps: ServiceDeps;

beforeAll(() => {
  deps = serviceDeps(database.current.handle, clock);
});
beforeEach(() => clock.set("2026-11-15T09:00:00Z"));

type Call =
  | { kind: "register"; derivationIndex: number; packageIds: string[] }
  | { kind: "update"; derivationIndex: number; objectId: string; packageIds: string[] };

/** The mock registrar, recording every call; it can be told to fail for some or all keys. */
class RecordingRegistrar implements SealRegistrar {
  readonly calls: Call[] = [];
  /** Fail every call (true) or calls for these derivation indexes. */
  failing: boolean | Set<number> = false;
  private readonly inner = new MockSealRegistrar();

  private check(derivationIndex: number) {
    if (this.failing === true || (this.failing instanceof Set && this.failing.has(derivationIndex))) {
      throw new Error(`key server unavailable for index ${derivationIndex}`);
    }
  }

  async register(input: { derivationIndex: number; packageIds: string[] }): Promise<SealRegistration> {
    this.calls.push({
      kind: "register",
      derivationIndex: input.derivationIndex,
      packageIds: [...input.packageIds],
    });
    this.check(input.derivationIndex);
    return this.inner.register(input);
  }

  async update(input: { derivationIndex: number; objectId: string; packageIds: string[] }): Promise<void> {
    this.calls.push({ kind: "update", ...input, packageIds: [...input.packageIds] });
    this.check(input.derivationIndex);
  }
}

async function registrations(registrar: SealRegistrar) {
  const handle = database.current.handle;
  const result = await runCycle(
    {
      ...deps,
      database: handle,
      env: parseEnv({ APP_ENV: "test" }),
      logger: createLogger({ level: "silent" }),
    },
    [sealRegistrationsTask(registrar)],
  );
  // Per-key failures are retried with backoff; they do not fail the task.
  expect(result.status).toBe("ok");
  return result.tasks[0]?.detail as { due: number; registered: number; failed: number };
}

async function sealCustomer(sealKeyCount: number) {
  const customer = await fundedCustomer(deps, 100_000);
  const actor: Actor = {
    customerId: customer.customerId,
    address: customer.walletAddress,
    ip: "198.51.100.7",
  };
  await enableService(deps, actor, {
    serviceType: "seal",
    tier: "pro",
    burstEnabled: false,
    apiKeys: 1,
    sealKeys: sealKeyCount,
    requestId: randomUUID(),
  });
  return { actor, keys: () => keysOf(customer.customerId) };
}

async function keysOf(customerId: number) {
  return deps.db.select().from(sealKeys).where(eq(sealKeys.customerId, customerId)).orderBy(asc(sealKeys.id));
}

async function keyById(id: number) {
  const [key] = await deps.db.select().from(sealKeys).where(eq(sealKeys.id, id));
  if (!key) throw new Error("no such Seal key");
  return key;
}

const packageId = (label: string) => `0x${createHash("sha256").update(label).digest("hex")}`;

describe("MockSealRegistrar", () => {
  it("derives a stable public key and object id from the derivation index alone", async () => {
    const mock = new MockSealRegistrar();
    const first = await mock.register({ derivationIndex: 7, packageIds: [] });
    const again = await new MockSealRegistrar().register({
      derivationIndex: 7,
      packageIds: [packageId("p")],
    });
    const other = await mock.register({ derivationIndex: 8, packageIds: [] });
    expect(first.publicKey).toMatch(/^0x[0-9a-f]{192}$/);
    expect(first.objectId).toMatch(/^0x[0-9a-f]{64}$/);
    expect(again).toEqual(first);
    expect(other.publicKey).not.toBe(first.publicKey);
    expect(other.objectId).not.toBe(first.objectId);
  });
});

describe("seal registrations task", () => {
  it("registers a new key, then re-registers it with the sorted packages after a change", async () => {
    const registrar = new RecordingRegistrar();
    const { actor, keys } = await sealCustomer(1);
    const [created] = await keys();
    if (!created) throw new Error("no Seal key");
    expect(created).toMatchObject({ state: "registering", publicKey: null, objectId: null });

    expect(await registrations(registrar)).toEqual({ due: 1, registered: 1, failed: 0 });
    const mock = await new MockSealRegistrar().register({
      derivationIndex: created.derivationIndex,
      packageIds: [],
    });
    const registered = await keyById(created.id);
    expect(registered).toMatchObject({
      state: "registered",
      publicKey: mock.publicKey,
      objectId: mock.objectId,
      registrationAttempts: 0,
      nextAttemptAt: null,
      lastError: null,
    });
    expect(registrar.calls).toEqual([
      { kind: "register", derivationIndex: created.derivationIndex, packageIds: [] },
    ]);

    // Nothing is due any more.
    expect(await registrations(registrar)).toEqual({ due: 0, registered: 0, failed: 0 });
    expect(registrar.calls).toHaveLength(1);

    // Packages added (out of order) make the key `updating` ...
    const [high, low] = [packageId("zeta").replace(/^0x./, "0xf"), packageId("alpha").replace(/^0x./, "0x0")];
    for (const id of [high, low]) {
      await addPackage(deps, actor, {
        keyId: created.id,
        packageId: id,
        name: null,
        requestId: randomUUID(),
      });
      expect((await keyById(created.id)).state).toBe("updating");
    }
    // ... and the next run updates the registration with the sorted list, keeping its ids.
    expect(await registrations(registrar)).toEqual({ due: 1, registered: 1, failed: 0 });
    expect(registrar.calls.slice(1)).toEqual([
      {
        kind: "update",
        derivationIndex: created.derivationIndex,
        objectId: mock.objectId,
        packageIds: [low, high],
      },
    ]);
    expect(await keyById(created.id)).toMatchObject({
      state: "registered",
      publicKey: mock.publicKey,
      objectId: mock.objectId,
    });
    expect(await registrations(registrar)).toEqual({ due: 0, registered: 0, failed: 0 });
  });

  it("registers a key whose packages were added before registration with the sorted list", async () => {
    const registrar = new RecordingRegistrar();
    const { actor, keys } = await sealCustomer(0);
    const { id } = await createSealKey(deps, actor, { name: "later", requestId: randomUUID() });
    const ids = [packageId("b"), packageId("a"), packageId("c")];
    for (const pkg of ids) {
      await addPackage(deps, actor, { keyId: id, packageId: pkg, name: null, requestId: randomUUID() });
    }
    expect((await keyById(id)).state).toBe("registering");

    expect(await registrations(registrar)).toEqual({ due: 1, registered: 1, failed: 0 });
    const [key] = await keys();
    if (!key) throw new Error("no Seal key");
    expect(registrar.calls).toEqual([
      { kind: "register", derivationIndex: key.derivationIndex, packageIds: [...ids].sort() },
    ]);
    expect(key.state).toBe("registered");
    expect(key.objectId).toBe(
      (await new MockSealRegistrar().register({ derivationIndex: key.derivationIndex, packageIds: [] }))
        .objectId,
    );
  });

  it("backs off while the registrar fails, skips the key until then, and registers it once it works", async () => {
    expect(backoffMs(1)).toBe(30_000);
    expect(backoffMs(2)).toBe(60_000);
    expect(backoffMs(3)).toBe(120_000);
    expect(backoffMs(100)).toBe(3_600_000);

    const registrar = new RecordingRegistrar();
    const { keys } = await sealCustomer(2);
    const [failing, healthy] = await keys();
    if (!failing || !healthy) throw new Error("Seal keys missing");
    registrar.failing = new Set([failing.derivationIndex]);

    // One key fails; the other is registered regardless.
    const start = clock.now();
    expect(await registrations(registrar)).toEqual({ due: 2, registered: 1, failed: 1 });
    expect((await keyById(healthy.id)).state).toBe("registered");
    expect(await keyById(failing.id)).toMatchObject({
      state: "registering",
      publicKey: null,
      objectId: null,
      registrationAttempts: 1,
      lastError: `key server unavailable for index ${failing.derivationIndex}`,
      nextAttemptAt: new Date(start.getTime() + backoffMs(1)),
    });
    expect(registrar.calls).toHaveLength(2);

    // Not due yet: skipped, the registrar is not called.
    expect(await registrations(registrar)).toEqual({ due: 0, registered: 0, failed: 0 });
    clock.advance(backoffMs(1) - 1);
    expect(await registrations(registrar)).toEqual({ due: 0, registered: 0, failed: 0 });
    expect(registrar.calls).toHaveLength(2);

    // Due: tried again, fails again, waits twice as long.
    clock.advance(1);
    const second = clock.now();
    expect(await registrations(registrar)).toEqual({ due: 1, registered: 0, failed: 1 });
    expect(registrar.calls).toHaveLength(3);
    expect(await keyById(failing.id)).toMatchObject({
      state: "registering",
      registrationAttempts: 2,
      nextAttemptAt: new Date(second.getTime() + backoffMs(2)),
    });
    clock.advance(backoffMs(1));
    expect(await registrations(registrar)).toEqual({ due: 0, registered: 0, failed: 0 });

    // The key servers are back: registered at the next due run, attempts cleared.
    registrar.failing = false;
    clock.set(new Date(second.getTime() + backoffMs(2)));
    expect(await registrations(registrar)).toEqual({ due: 1, registered: 1, failed: 0 });
    const mock = await new MockSealRegistrar().register({
      derivationIndex: failing.derivationIndex,
      packageIds: [],
    });
    expect(await keyById(failing.id)).toMatchObject({
      state: "registered",
      publicKey: mock.publicKey,
      objectId: mock.objectId,
      registrationAttempts: 0,
      nextAttemptAt: null,
      lastError: null,
    });
    expect(registrar.calls.at(-1)).toEqual({
      kind: "register",
      derivationIndex: failing.derivationIndex,
      packageIds: [],
    });
  });

  it("keeps a key updating when a package is added while the registrar is being called", async () => {
    const { actor, keys } = await sealCustomer(1);
    const [key] = await keys();
    if (!key) throw new Error("no Seal key");
    const added = packageId("added during the call");
    let addedDuringCall = false;
    const registrar = new RecordingRegistrar();
    const racing: SealRegistrar = {
      register: async (input) => {
        const registration = await registrar.register(input);
        if (!addedDuringCall) {
          addedDuringCall = true;
          clock.advance(1);
          await addPackage(deps, actor, {
            keyId: key.id,
            packageId: added,
            name: null,
            requestId: randomUUID(),
          });
        }
        return registration;
      },
      update: (input) => registrar.update(input),
    };

    await registrations(racing);
    // The registration with the old (empty) package list is not taken as final.
    expect(await keyById(key.id)).toMatchObject({ state: "registering", objectId: null });
    await registrations(racing);
    expect(registrar.calls).toEqual([
      { kind: "register", derivationIndex: key.derivationIndex, packageIds: [] },
      { kind: "register", derivationIndex: key.derivationIndex, packageIds: [added] },
    ]);
    expect((await keyById(key.id)).state).toBe("registered");
  });

  it("backs off a failing update too, keeping the key's registration meanwhile", async () => {
    const registrar = new RecordingRegistrar();
    const { actor, keys } = await sealCustomer(1);
    expect(await registrations(registrar)).toEqual({ due: 1, registered: 1, failed: 0 });
    const [key] = await keys();
    if (!key) throw new Error("no Seal key");
    await addPackage(deps, actor, {
      keyId: key.id,
      packageId: packageId("x"),
      name: null,
      requestId: randomUUID(),
    });

    registrar.failing = true;
    expect(await registrations(registrar)).toEqual({ due: 1, registered: 0, failed: 1 });
    expect(await keyById(key.id)).toMatchObject({
      state: "updating",
      objectId: key.objectId,
      publicKey: key.publicKey,
      registrationAttempts: 1,
      nextAttemptAt: new Date(clock.now().getTime() + backoffMs(1)),
    });

    registrar.failing = false;
    clock.advance(backoffMs(1));
    expect(await registrations(registrar)).toEqual({ due: 1, registered: 1, failed: 0 });
    expect(registrar.calls.at(-1)).toEqual({
      kind: "update",
      derivationIndex: key.derivationIndex,
      objectId: key.objectId,
      packageIds: [packageId("x")],
    });
    expect(await keyById(key.id)).toMatchObject({
      state: "registered",
      objectId: key.objectId,
      registrationAttempts: 0,
      lastError: null,
    });
  });
});
