import type { FeeEstimate } from "#app/domain/pricing.ts";
import { formatCents } from "#app/lib/format.ts";

export function FeeSummary({
  estimate,
  dueLabel = "Due today (pro-rated)",
}: {
  estimate: FeeEstimate;
  /** Label of the pro-rated amount; null hides it. */
  dueLabel?: string | null;
}) {
  return (
    <div
      className="rounded-lg border border-zinc-200 p-4 text-sm dark:border-zinc-800"
      data-testid="fee-summary"
    >
      <table className="w-full">
        <tbody>
          {estimate.lines.map((line) => (
            <tr key={`${line.itemType}-${line.description}`}>
              <td className="py-0.5">
                {line.quantity > 1 ? `${line.quantity} × ` : ""}
                {line.description}
              </td>
              <td className="py-0.5 text-right tabular-nums">{formatCents(line.amountCents)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot className="border-t border-zinc-200 dark:border-zinc-800">
          <tr>
            <th scope="row" className="pt-2 text-left font-semibold">
              Monthly total
            </th>
            <td className="pt-2 text-right font-semibold tabular-nums" data-testid="monthly-total">
              {formatCents(estimate.monthlyCents)}
            </td>
          </tr>
          {dueLabel === null ? null : (
            <tr>
              <th scope="row" className="text-left font-normal text-muted">
                {dueLabel}
              </th>
              <td className="text-right text-muted tabular-nums" data-testid="due-today">
                {formatCents(estimate.dueTodayCents)}
              </td>
            </tr>
          )}
        </tfoot>
      </table>
    </div>
  );
}
