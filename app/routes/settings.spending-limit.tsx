import { Gauge } from "lucide-react";
import { EmptyState } from "#app/components/empty-state.tsx";
import { PageHeader } from "#app/components/ui/page-header.tsx";
import { formatCents } from "#app/lib/format.ts";

export const meta = () => [{ title: "Spending limit · Suiftly" }];

export default function SpendingLimit() {
  return (
    <>
      <PageHeader
        title="Spending limit"
        description={`A monthly cap on what your escrow can be charged (default ${formatCents(200_000)}).`}
      />
      <EmptyState icon={Gauge} title="Sign in to manage your limit">
        The limit, this month's progress and the form to change it appear here once you sign in.
      </EmptyState>
    </>
  );
}
