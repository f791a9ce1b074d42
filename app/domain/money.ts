// Money is integer cents everywhere (spec §2.6: 1 USDC = $1). Amounts typed by people are parsed
// here, exactly, without floating point; they are formatted only for display. No dependencies:
// every page's JavaScript includes this module (through the formatters).
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
