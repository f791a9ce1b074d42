import {
  ADD_ONS,
  formatTierLimits,
  SELF_SERVICE_TIERS,
  TIERS,
  type TierDefinition,
} from "#app/domain/catalog.ts";
import { formatCents } from "#app/lib/format.ts";

const CARD =
  "relative flex flex-col gap-1 rounded-lg border border-zinc-200 p-4 text-sm dark:border-zinc-800";

function TierText({ tier, current }: { tier: TierDefinition; current: boolean }) {
  return (
    <>
      <span className="font-semibold">
        {tier.name}
        {current ? <span className="ml-2 text-xs font-normal text-link">current</span> : null}
      </span>
      <span className="text-lg font-semibold">
        {tier.monthlyFeeCents === null ? "Contact us" : `${formatCents(tier.monthlyFeeCents)}/mo`}
      </span>
      <span id={`tier-${tier.id}-details`} className="text-xs text-muted">
        {formatTierLimits(tier)}
        {tier.burst ? ` · burst +${formatCents(ADD_ONS.burstFeeCents)}/mo` : ""}
      </span>
    </>
  );
}

/** Tier cards as radio buttons (they work without JavaScript); Enterprise is "Contact us". */
export function TierPicker({
  name,
  value,
  disabled,
  current,
}: {
  name: string;
  value: string;
  disabled?: boolean;
  /** The tier the service is on now, marked as such. */
  current?: string;
}) {
  return (
    <fieldset className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4" disabled={disabled}>
      <legend className="mb-2 text-sm font-medium">Tier</legend>
      {TIERS.map((tier) =>
        (SELF_SERVICE_TIERS as readonly string[]).includes(tier.id) ? (
          <label
            key={tier.id}
            className={`${CARD} cursor-pointer has-checked:border-brand-600 has-checked:ring-2 has-checked:ring-brand-600/30`}
          >
            <input
              type="radio"
              name={name}
              value={tier.id}
              defaultChecked={value === tier.id}
              className="absolute top-4 right-4"
              aria-describedby={`tier-${tier.id}-details`}
            />
            <TierText tier={tier} current={current === tier.id} />
          </label>
        ) : (
          <div key={tier.id} className={`${CARD} bg-zinc-50 dark:bg-zinc-900`}>
            <TierText tier={tier} current={current === tier.id} />
            <a href="mailto:sales@suiftly.io" className="text-xs text-link underline">
              Contact us
            </a>
          </div>
        ),
      )}
    </fieldset>
  );
}
