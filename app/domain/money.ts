// Money is integer cents everywhere (spec §2.6: 1 USDC = $1). Amounts typed by people are parsed
// here, exactly, without floating point; they are formatted only for display.
import { z } from "zod";

/** The largest single deposit or withdrawal the dashboard accepts. */
export const MAX_TRANSFER_CENTS = 100_000_000; // $1,000,000

const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });

export function formatCents(cents: number): string {
  return usd.format(cents / 100);
}

const AMOUNT_PATTERN = /^\d{1,12}(\.\d{1,2})?$/;

/** "12", "12.5", "12.50", "$1,234.56" → cents; anything else (negative, 3 decimals, words) → null. */
export function parseDollarsToCents(input: string): number | null {
  const cleaned = input.trim().replace(/^\$/, "").replaceAll(",", "");
  if (!AMOUNT_PATTERN.test(cleaned)) return null;
  const [whole = "0", fraction = ""] = cleaned.split(".");
  return Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
}

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
