import { Activity as ActivityIcon } from "lucide-react";
import { EmptyState } from "#app/components/empty-state.tsx";
import { PageHeader } from "#app/components/ui/page-header.tsx";

export const meta = () => [{ title: "Activity · Suiftly" }];

export default function Activity() {
  return (
    <>
      <PageHeader title="Activity" description="Every sign-in, change, key operation, charge and payment." />
      <EmptyState icon={ActivityIcon} title="No activity to show">
        Your account's activity log appears here once you sign in.
      </EmptyState>
    </>
  );
}
