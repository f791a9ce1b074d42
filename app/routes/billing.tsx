import { CreditCard } from "lucide-react";
import { Link } from "react-router";
import { EmptyState } from "#app/components/empty-state.tsx";
import { buttonVariants } from "#app/components/ui/button.tsx";
import { PageHeader } from "#app/components/ui/page-header.tsx";

export const meta = () => [{ title: "Billing · Suiftly" }];

export default function Billing() {
  return (
    <>
      <PageHeader
        title="Billing"
        description="Escrow balance, deposits and withdrawals, charges and invoices."
      />
      <EmptyState
        icon={CreditCard}
        title="No escrow account yet"
        action={
          <Link to="/login" className={buttonVariants()}>
            Connect wallet
          </Link>
        }
      >
        Your escrow balance, this month's charges and your invoices appear here once you sign in with a
        wallet.
      </EmptyState>
    </>
  );
}
