import { describe, expect, it } from "vitest";
import { withTestDatabase } from "#tests/support/database.ts";
import { findOrCreateCustomer, randomCustomerId } from "./customers.server.ts";

const database = withTestDatabase();
const wallet = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

describe("findOrCreateCustomer", () => {
  it("draws another random id when the first one is taken", async () => {
    const { db } = database.current.handle;
    const now = new Date();
    const first = await findOrCreateCustomer(db, wallet(1), now, () => 777);
    expect(first).toMatchObject({ customerId: 777, created: true });
    const draws = [777, 778];
    const second = await findOrCreateCustomer(db, wallet(2), now, () => draws.shift() ?? 0);
    expect(second).toMatchObject({ customerId: 778, created: true, walletAddress: wallet(2) });
  });

  it("returns the existing customer for a known wallet", async () => {
    const { db } = database.current.handle;
    const again = await findOrCreateCustomer(db, wallet(1), new Date(), () => 999);
    expect(again).toMatchObject({ customerId: 777, created: false });
  });

  it("draws ids in [1, 2^31-1]", () => {
    for (let i = 0; i < 1000; i++) {
      const id = randomCustomerId();
      expect(Number.isInteger(id) && id >= 1 && id <= 2 ** 31 - 1).toBe(true);
    }
  });
});
