// SealRegistrar (spec §2.8): registers a permissioned client (a Seal key) with Suiftly's key
// servers and publishes its on-chain KeyServer object. The `mock` implementation derives a
// deterministic fake public key and object id from the derivation index; a real one comes later.
import { createHash } from "node:crypto";

export interface SealRegistration {
  publicKey: string;
  objectId: string;
}

export interface SealRegistrar {
  /** Register a new key (idempotent for the same derivation index). */
  register(input: { derivationIndex: number; packageIds: string[] }): Promise<SealRegistration>;
  /** Update the packages a registered key serves. */
  update(input: { derivationIndex: number; objectId: string; packageIds: string[] }): Promise<void>;
}

function digest(label: string, derivationIndex: number): string {
  return createHash("sha256").update(`suiftly-mock-seal:${label}:${derivationIndex}`).digest("hex");
}

export class MockSealRegistrar implements SealRegistrar {
  async register(input: { derivationIndex: number; packageIds: string[] }): Promise<SealRegistration> {
    // A BLS12-381 G2 public key is 96 bytes; the mock's is as long, and stable per index.
    const publicKey = `0x${digest("pk-a", input.derivationIndex)}${digest("pk-b", input.derivationIndex)}${digest("pk-c", input.derivationIndex)}`;
    return { publicKey, objectId: `0x${digest("object", input.derivationIndex)}` };
  }

  async update(): Promise<void> {}
}
