// Sign-in challenges (spec §6): a message naming the domain, the address, a 32-byte random
// nonce, issued-at and expiry (5 minutes). Stored, and consumed exactly once.
import { randomBytes } from "node:crypto";
import { and, eq, gt, isNull } from "drizzle-orm";
import type { Queryable } from "#db/client.ts";
import { authNonces } from "#db/schema/index.ts";

export const CHALLENGE_TTL_MS = 5 * 60_000;
const NONCE_LINE = /^Nonce: ([0-9a-f]{64})$/m;

export interface Challenge {
  message: string;
  nonce: string;
  expiresAt: string;
}

export function buildSignInMessage(input: {
  origin: string;
  address: string;
  nonce: string;
  issuedAt: Date;
  expiresAt: Date;
}): string {
  const domain = new URL(input.origin).host;
  return [
    `${domain} wants you to sign in with your Sui account:`,
    input.address,
    "",
    "Sign in to Suiftly. This request costs nothing and does not move funds.",
    "",
    `URI: ${input.origin}`,
    `Nonce: ${input.nonce}`,
    `Issued At: ${input.issuedAt.toISOString()}`,
    `Expiration Time: ${input.expiresAt.toISOString()}`,
  ].join("\n");
}

export function nonceFromMessage(message: string): string | undefined {
  return NONCE_LINE.exec(message)?.[1];
}

export async function issueChallenge(
  db: Queryable,
  input: { address: string; origin: string; now: Date },
): Promise<Challenge> {
  const nonce = randomBytes(32).toString("hex");
  const expiresAt = new Date(input.now.getTime() + CHALLENGE_TTL_MS);
  const message = buildSignInMessage({
    origin: input.origin,
    address: input.address,
    nonce,
    issuedAt: input.now,
    expiresAt,
  });
  await db.insert(authNonces).values({
    nonce,
    address: input.address,
    message,
    issuedAt: input.now,
    expiresAt,
  });
  return { message, nonce, expiresAt: expiresAt.toISOString() };
}

export type ChallengeProblem = "unknown" | "address_mismatch" | "message_mismatch" | "used" | "expired";

/** Read-only check of a presented challenge; consuming it happens after the signature checks out. */
export async function checkChallenge(
  db: Queryable,
  input: { address: string; message: string; now: Date },
): Promise<{ ok: true; nonce: string } | { ok: false; problem: ChallengeProblem }> {
  const nonce = nonceFromMessage(input.message);
  if (!nonce) return { ok: false, problem: "unknown" };
  const [row] = await db.select().from(authNonces).where(eq(authNonces.nonce, nonce)).limit(1);
  if (!row) return { ok: false, problem: "unknown" };
  if (row.address !== input.address) return { ok: false, problem: "address_mismatch" };
  if (row.message !== input.message) return { ok: false, problem: "message_mismatch" };
  if (row.usedAt) return { ok: false, problem: "used" };
  if (row.expiresAt <= input.now) return { ok: false, problem: "expired" };
  return { ok: true, nonce };
}

/** Mark the nonce used; false when another request consumed it first (or it just expired). */
export async function consumeChallenge(db: Queryable, nonce: string, now: Date): Promise<boolean> {
  const consumed = await db
    .update(authNonces)
    .set({ usedAt: now })
    .where(and(eq(authNonces.nonce, nonce), isNull(authNonces.usedAt), gt(authNonces.expiresAt, now)))
    .returning({ nonce: authNonces.nonce });
  return consumed.length === 1;
}
