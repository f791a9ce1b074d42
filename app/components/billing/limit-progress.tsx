import { formatCents } from "#app/lib/format.ts";
import { cn } from "#app/lib/utils.ts";

/** Month-to-date charges against the monthly spending limit. */
export function LimitProgress({ spentCents, limitCents }: { spentCents: number; limitCents: number }) {
  const ratio = limitCents > 0 ? Math.min(1, spentCents / limitCents) : 1;
  const percent = Math.round(ratio * 100);
  return (
    <div>
      <div
        role="progressbar"
        aria-label="Spending limit used this month"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        className="h-2 w-full overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800"
      >
        <div
          className={cn(
            "h-full rounded-full",
            ratio >= 0.9 ? "bg-red-500" : ratio >= 0.7 ? "bg-amber-500" : "bg-emerald-500",
          )}
          style={{ width: `${percent}%` }}
        />
      </div>
      <p className="mt-1 text-xs text-muted">
        {formatCents(spentCents)} of {formatCents(limitCents)} monthly limit ({percent}%)
      </p>
    </div>
  );
}
