import { Wallet } from "lucide-react";
import { EmptyState } from "#app/components/empty-state.tsx";
import { PageHeader } from "#app/components/ui/page-header.tsx";

export const meta = () => [{ title: "Sign in · Suiftly" }];

export default function Login() {
  return (
    <>
      <PageHeader title="Sign in" description="Suiftly accounts are Sui wallets: no email, no password." />
      <EmptyState icon={Wallet} title="Wallet sign-in is not available yet">
        Signing in with a Sui wallet is being built. Until then you can browse every page in demo mode.
      </EmptyState>
    </>
  );
}
