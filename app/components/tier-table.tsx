import { ADD_ONS, REGIONS, TIERS, USAGE_PRICE } from "#app/domain/catalog.ts";
import { formatCents, formatMonthlyFee, formatNumber } from "#app/lib/format.ts";

/** The catalog's tiers, read-only (landing page, demo mode). */
export function TierTable() {
  return (
    <div className="overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Tiers and prices</caption>
        <thead className="bg-zinc-100 text-xs text-zinc-600 uppercase dark:bg-zinc-900 dark:text-zinc-400">
          <tr>
            <th scope="col" className="px-4 py-2">
              Tier
            </th>
            <th scope="col" className="px-4 py-2">
              Guaranteed req/s per region
            </th>
            <th scope="col" className="px-4 py-2">
              Burst
            </th>
            <th scope="col" className="px-4 py-2">
              Monthly fee
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
          {TIERS.map((tier) => (
            <tr key={tier.id} className="bg-white dark:bg-zinc-950">
              <th scope="row" className="px-4 py-2 font-medium">
                {tier.name}
              </th>
              <td className="px-4 py-2">
                {tier.guaranteedRps === null ? "Custom" : formatNumber(tier.guaranteedRps)}
              </td>
              <td className="px-4 py-2">
                {tier.id === "enterprise"
                  ? "Custom"
                  : tier.burst
                    ? `Optional: up to ${tier.burst.multiplier}× for ${tier.burst.seconds} s (+${formatCents(ADD_ONS.burstFeeCents)}/month)`
                    : "No"}
              </td>
              <td className="px-4 py-2">{formatMonthlyFee(tier.monthlyFeeCents)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="border-t border-zinc-200 px-4 py-2 text-xs text-muted dark:border-zinc-800">
        Limits apply per region ({REGIONS.map((region) => region.name).join(", ")}). Usage:{" "}
        {formatCents(USAGE_PRICE.cents)} per {formatNumber(USAGE_PRICE.perRequests)} successful requests on
        every tier.
      </p>
    </div>
  );
}
