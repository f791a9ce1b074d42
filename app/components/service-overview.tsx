import { Wallet } from "lucide-react";
import { Link } from "react-router";
import { type ServiceType, serviceDefinition } from "#app/domain/catalog.ts";
import { EmptyState } from "./empty-state.tsx";
import { TierTable } from "./tier-table.tsx";
import { buttonVariants } from "./ui/button.tsx";
import { PageHeader } from "./ui/page-header.tsx";

/** A service page for visitors who cannot configure it (demo mode): the real catalog, read-only. */
export function ServiceOverview({ type }: { type: ServiceType }) {
  const service = serviceDefinition(type);
  return (
    <>
      <PageHeader title={service.name} description={service.description} />
      <div className="flex flex-col gap-6">
        <TierTable />
        <EmptyState
          icon={Wallet}
          title={`Configure ${service.name}`}
          action={
            <Link to="/login" className={buttonVariants()}>
              Connect wallet
            </Link>
          }
        >
          Enabling a service, choosing a tier and creating API keys needs a signed-in wallet with a funded
          escrow.
        </EmptyState>
      </div>
    </>
  );
}
