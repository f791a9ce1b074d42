// Form schemas shared by the billing actions (server) and their forms (browser validation).
import { z } from "zod";
import { formatCents, MAX_TRANSFER_CENTS, parseDollarsToCents } from "../money.ts";

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

/**
 * A form field holding a dollar amount, validated into cents between `min` and `max` (inclusive).
 * Used by both the server action and the browser, so messages are the same on both sides.
 */
export function dollarsField(options: { minCents: number; maxCents: number; label?: string }) {
  const label = options.label ?? "Amount";
  return z
    .string({ error: `${label} is required.` })
    .trim()
    .min(1, `${label} is required.`)
    .transform((value, context) => {
      const cents = parseDollarsToCents(value);
      if (cents === null) {
        context.addIssue({
          code: "custom",
          message: `${label} must be a number of dollars with at most 2 decimals, like 25 or 25.50.`,
        });
        return z.NEVER;
      }
      if (cents < options.minCents) {
        context.addIssue({
          code: "custom",
          message:
            options.minCents <= 1
              ? `${label} must be more than $0.`
              : `${label} must be at least ${formatCents(options.minCents)}.`,
        });
        return z.NEVER;
      }
      if (cents > options.maxCents) {
        context.addIssue({
          code: "custom",
          message: `${label} can be at most ${formatCents(options.maxCents)}.`,
        });
        return z.NEVER;
      }
      return cents;
    });
}
