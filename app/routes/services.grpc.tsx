import { ServiceOverview } from "#app/components/service-overview.tsx";

export const meta = () => [{ title: "gRPC · Suiftly" }];

export default function GrpcService() {
  return <ServiceOverview type="grpc" />;
}
