// Display formatting shared by pages. Money arrives as integer cents and is only formatted here.
const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });

export function formatCents(cents: number): string {
  return usd.format(cents / 100);
}

export function formatMonthlyFee(cents: number | null): string {
  return cents === null ? "Contact us" : `${formatCents(cents)}/month`;
}

export function formatNumber(value: number): string {
  return new Intl.NumberFormat("en-US").format(value);
}

export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}
