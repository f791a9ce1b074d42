// Time is injected wherever a rule depends on it (billing, month boundaries, expiry), so tests
// can stand on any date. All times are UTC.
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that stays where it is told; `advance` moves it forward. */
export function fixedClock(start: Date | string): Clock & {
  set(date: Date | string): void;
  advance(ms: number): void;
} {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    set: (date) => {
      current = new Date(date);
    },
    advance: (ms) => {
      current = new Date(current.getTime() + ms);
    },
  };
}
