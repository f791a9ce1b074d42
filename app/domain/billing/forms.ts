// Form schemas shared by the billing actions (server) and their forms (browser validation).
import { z } from "zod";
import { dollarsField, MAX_TRANSFER_CENTS } from "../money.ts";

export const SPENDING_LIMIT = { minCents: 10_000, maxCents: 5_000_000, defaultCents: 200_000 } as const;

const requestId = z
  .string({ error: "Reload the page and try again." })
  .uuid("Reload the page and try again.");

export const depositSchema = z.object({
  intent: z.literal("deposit"),
  amount: dollarsField({ minCents: 1, maxCents: MAX_TRANSFER_CENTS }),
  requestId,
});

export const withdrawSchema = z.object({
  intent: z.literal("withdraw"),
  amount: dollarsField({ minCents: 1, maxCents: MAX_TRANSFER_CENTS }),
  requestId,
});

export const spendingLimitSchema = z.object({
  limit: dollarsField({ ...SPENDING_LIMIT, label: "Spending limit" }),
});
