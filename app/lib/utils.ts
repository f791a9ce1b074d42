import { type ClassValue, clsx } from "clsx";

/**
 * Join Tailwind class lists (shadcn's `cn`), without resolving conflicts: a primitive's base
 * classes and what a caller adds must never set the same property — a different look is a variant
 * of the primitive (`size`, `tone`, `layout`), not an override. That keeps tailwind-merge (~7 kB
 * gzip, and work in every render) out of the page. In development, a conflict is reported.
 */
export function cn(...inputs: ClassValue[]): string {
  const classes = clsx(inputs);
  if (import.meta.env.DEV) reportConflicts(classes);
  return classes;
}

let mergeForCheck: ((classes: string) => string) | null = null;
if (import.meta.env.DEV) {
  void import("tailwind-merge").then(
    (module) => {
      mergeForCheck = module.twMerge;
    },
    () => {},
  );
}

function reportConflicts(classes: string): void {
  const merged = mergeForCheck?.(classes);
  if (merged !== undefined && merged !== classes) {
    console.warn(
      `cn(): classes that set the same property in "${classes}" — tailwind-merge keeps "${merged}"`,
    );
  }
}
