import { Card, CardContent, CardHeader, CardTitle } from "#app/components/ui/card.tsx";
import { PageHeader } from "#app/components/ui/page-header.tsx";
import { ADD_ONS, SUSPEND_AFTER_DAYS, USAGE_PRICE } from "#app/domain/catalog.ts";
import { formatCents, formatNumber } from "#app/lib/format.ts";

export const meta = () => [{ title: "Support · Suiftly" }];

const FAQ: { q: string; a: string }[] = [
  {
    q: "How do I pay?",
    a: "You fund an on-chain escrow in USDC from your wallet. Monthly fees and usage are charged from it; you can withdraw what you do not need.",
  },
  {
    q: "What counts as a billable request?",
    a: `Successful requests (status 200–399) cost ${formatCents(USAGE_PRICE.cents)} per ${formatNumber(USAGE_PRICE.perRequests)}. Errors, and requests denied, rate limited or blocked, are free.`,
  },
  {
    q: "What happens if a charge fails?",
    a: `We retry every cycle and right after you deposit. Until it is paid your services run at half their guaranteed rate; after ${SUSPEND_AFTER_DAYS} days unpaid they are suspended. Paying restores them.`,
  },
  {
    q: "How many API keys can I have?",
    a: `One key is included per service; extra keys cost ${formatCents(ADD_ONS.apiKeys.extraFeeCents)}/month each, up to ${ADD_ONS.apiKeys.maxActivePerService} active keys.`,
  },
  {
    q: "Can I change tiers?",
    a: "Upgrades apply immediately and charge the pro-rated difference for the rest of the month. Downgrades take effect on the 1st.",
  },
];

export default function Support() {
  return (
    <>
      <PageHeader title="Support" description="Answers to common questions, and how to reach us." />
      <div className="grid gap-6 lg:grid-cols-3">
        <section aria-labelledby="faq-title" className="lg:col-span-2">
          <h2 id="faq-title" className="sr-only">
            Frequently asked questions
          </h2>
          <div className="flex flex-col gap-3">
            {FAQ.map((item) => (
              <details
                key={item.q}
                className="rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900"
              >
                <summary className="cursor-pointer font-medium">{item.q}</summary>
                <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">{item.a}</p>
              </details>
            ))}
          </div>
        </section>
        <Card>
          <CardHeader>
            <CardTitle>Contact</CardTitle>
          </CardHeader>
          <CardContent className="flex flex-col gap-2 text-sm">
            <p>
              Email{" "}
              <a className="text-link underline" href="mailto:support@suiftly.io">
                support@suiftly.io
              </a>
              . Include your wallet address — never a private key or a full API key.
            </p>
            <p className="text-muted">We answer within one business day.</p>
          </CardContent>
        </Card>
      </div>
    </>
  );
}
