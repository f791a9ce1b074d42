// remix-auth strategy for "Sign in with Sui": checks the challenge, then the wallet signature
// (Ed25519, Secp256k1, Secp256r1 via verifyPersonalMessageSignature), and hands the proven
// address to the verify callback. Every refusal is an HttpError (4xx) and changes nothing.
import { fromBase64 } from "@mysten/sui/utils";
import { verifyPersonalMessageSignature } from "@mysten/sui/verify";
import { Strategy } from "remix-auth/strategy";
import { z } from "zod";
import type { Clock } from "#app/domain/clock.ts";
import { walletAddressSchema } from "#app/domain/sui-address.ts";
import type { Queryable } from "#db/client.ts";
import { HttpError } from "../http-errors.server.ts";
import { readBody } from "../request-body.server.ts";
import { type ChallengeProblem, checkChallenge } from "./challenge.server.ts";

/** The auth endpoints take small bodies: anything bigger is refused before parsing. */
export const AUTH_MAX_BODY_BYTES = 8 * 1024;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export const verifyRequestSchema = z.object({
  address: walletAddressSchema,
  message: z
    .string({ error: "The signed message is required." })
    .min(1, "The signed message is required.")
    .max(2048, "The message is too long."),
  signature: z
    .string({ error: "A signature is required." })
    .trim()
    .min(1, "A signature is required.")
    .max(4096, "The signature is too long.")
    .refine((value) => value.length % 4 === 0 && BASE64.test(value), "The signature must be base64.")
    .refine((value) => {
      // flag byte + 64-byte signature + public key (32 or 33 bytes) at the least.
      try {
        return fromBase64(value).length >= 97;
      } catch {
        return false;
      }
    }, "The signature is truncated or is not a Sui signature."),
});

export type VerifyRequest = z.infer<typeof verifyRequestSchema>;

export function fieldErrorsOf(error: z.ZodError): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.join(".") || "form";
    fields[key] ??= [];
    fields[key].push(issue.message);
  }
  return fields;
}

const CHALLENGE_MESSAGES: Record<ChallengeProblem, string> = {
  unknown: "This sign-in request is unknown. Request a new challenge and sign again.",
  address_mismatch: "This challenge was issued to a different address.",
  message_mismatch: "The signed message differs from the one issued. Sign the message exactly as received.",
  used: "This challenge was already used. Request a new one.",
  expired: "This challenge expired. Request a new one and sign within 5 minutes.",
};

export interface ProvenWallet {
  address: string;
  message: string;
  nonce: string;
}

export class SuiWalletStrategy<User> extends Strategy<User, ProvenWallet> {
  name = "sui-wallet";
  private readonly db: Queryable;
  private readonly clock: Clock;

  constructor(options: { db: Queryable; clock: Clock }, verify: Strategy.VerifyFunction<User, ProvenWallet>) {
    super(verify);
    this.db = options.db;
    this.clock = options.clock;
  }

  async authenticate(request: Request): Promise<User> {
    const parsed = verifyRequestSchema.safeParse(await readBody(request, AUTH_MAX_BODY_BYTES));
    if (!parsed.success) {
      throw new HttpError(400, "invalid_request", "Some fields are missing or malformed.", {
        fieldErrors: fieldErrorsOf(parsed.error),
      });
    }
    const { address, message, signature } = parsed.data;
    const challenge = await checkChallenge(this.db, { address, message, now: this.clock.now() });
    if (!challenge.ok) {
      throw new HttpError(401, `challenge_${challenge.problem}`, CHALLENGE_MESSAGES[challenge.problem]);
    }
    try {
      await verifyPersonalMessageSignature(new TextEncoder().encode(message), signature, { address });
    } catch {
      throw new HttpError(401, "bad_signature", "The signature does not prove ownership of this address.");
    }
    return this.verify({ address, message, nonce: challenge.nonce });
  }
}
