// Display formatting shared by pages. Money arrives as integer cents (formatted by the money module).
import { formatCents } from "#app/domain/money.ts";

export { formatCents };

export function formatMonthlyFee(cents: number | null): string {
  return cents === null ? "Contact us" : `${formatCents(cents)}/month`;
}

export function formatNumber(value: number): string {
  return new Intl.NumberFormat("en-US").format(value);
}

export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}
