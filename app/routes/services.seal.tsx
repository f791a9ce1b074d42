import { ServiceOverview } from "#app/components/service-overview.tsx";

export const meta = () => [{ title: "Seal · Suiftly" }];

export default function SealService() {
  return <ServiceOverview type="seal" />;
}
