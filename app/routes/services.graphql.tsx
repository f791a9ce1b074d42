import { Sparkles } from "lucide-react";
import { EmptyState } from "#app/components/empty-state.tsx";
import { PageHeader } from "#app/components/ui/page-header.tsx";
import { serviceDefinition } from "#app/domain/catalog.ts";

export const meta = () => [{ title: "GraphQL · Suiftly" }];

export default function GraphqlService() {
  const service = serviceDefinition("graphql");
  return (
    <>
      <PageHeader title={service.name} description={service.description} />
      <EmptyState icon={Sparkles} title="Coming soon">
        Managed Sui GraphQL endpoints are on the way. They will use the same wallet sign-in, escrow billing
        and API keys as Seal and gRPC.
      </EmptyState>
    </>
  );
}
