// Billing months are UTC calendar months (spec §3 Money: "this month" = the UTC calendar month).

export function monthStart(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1));
}

export function nextMonthStart(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1));
}

export function previousMonthStart(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - 1, 1));
}

export function daysInMonth(date: Date): number {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
}

/** Days left in the month, counting today: 31 on Jan 1st, 1 on Jan 31st. */
export function daysLeftIncludingToday(date: Date): number {
  return daysInMonth(date) - date.getUTCDate() + 1;
}

/** "2026-11": the key of a billing period. */
export function monthKey(date: Date): string {
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, "0")}`;
}

/**
 * The part of a monthly fee owed for the rest of the month (spec §3 billing rule 1):
 * floor(fee × days_left_including_today / days_in_month).
 */
export function prorate(monthlyFeeCents: number, today: Date): number {
  if (!Number.isInteger(monthlyFeeCents) || monthlyFeeCents < 0) {
    throw new RangeError(`monthly fee must be a non-negative integer of cents, got ${monthlyFeeCents}`);
  }
  return Math.floor((monthlyFeeCents * daysLeftIncludingToday(today)) / daysInMonth(today));
}
