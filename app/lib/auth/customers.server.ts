// Customers are created at their first sign-in with a random id in [1, 2^31-1] (spec §3).
import { randomInt } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Queryable } from "#db/client.ts";
import { type CustomerStatus, customers } from "#db/schema/index.ts";

const MAX_CUSTOMER_ID = 2 ** 31 - 1;

export interface CustomerIdentity {
  customerId: number;
  walletAddress: string;
  status: CustomerStatus;
  created: boolean;
}

export function randomCustomerId(): number {
  return randomInt(1, MAX_CUSTOMER_ID + 1);
}

export async function findOrCreateCustomer(
  db: Queryable,
  walletAddress: string,
  now: Date,
  drawId: () => number = randomCustomerId,
): Promise<CustomerIdentity> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const [existing] = await db
      .select({ customerId: customers.customerId, status: customers.status })
      .from(customers)
      .where(eq(customers.walletAddress, walletAddress))
      .limit(1);
    if (existing) return { ...existing, walletAddress, created: false };
    const [inserted] = await db
      .insert(customers)
      .values({ customerId: drawId(), walletAddress, createdAt: now, updatedAt: now })
      .onConflictDoNothing()
      .returning({ customerId: customers.customerId, status: customers.status });
    if (inserted) return { ...inserted, walletAddress, created: true };
    // Either the id collided or the same wallet signed in concurrently: look again.
  }
  throw new Error("could not allocate a customer id");
}
