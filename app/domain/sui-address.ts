// Sui account addresses: customers are identified by the lowercase `0x` + 64 hex form (spec §3).
import { z } from "zod";

const ADDRESS_PATTERN = /^0x[0-9a-fA-F]{64}$/;

export function isWalletAddress(value: string): boolean {
  return ADDRESS_PATTERN.test(value);
}

export const walletAddressSchema = z
  .string({ error: "A wallet address is required." })
  .trim()
  .regex(ADDRESS_PATTERN, "Must be a Sui address: 0x followed by 64 hexadecimal characters.")
  .transform((value) => value.toLowerCase());
