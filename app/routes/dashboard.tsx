import { Link } from "react-router";
import { StatusDot } from "#app/components/layout/status-dot.tsx";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "#app/components/ui/card.tsx";
import { PageHeader } from "#app/components/ui/page-header.tsx";
import { SERVICES } from "#app/domain/catalog.ts";
import { getViewer } from "#app/lib/auth.server.ts";
import type { Route } from "./+types/dashboard";

export function loader({ context }: Route.LoaderArgs) {
  const viewer = getViewer(context);
  return { address: viewer?.address ?? null };
}

export default function Dashboard({ loaderData }: Route.ComponentProps) {
  return (
    <>
      <PageHeader
        title="Dashboard"
        description={
          loaderData.address ? (
            <>
              Signed in as <span className="font-mono break-all">{loaderData.address}</span>
            </>
          ) : (
            "Your services at a glance."
          )
        }
      />
      <div className="grid gap-4 md:grid-cols-3">
        {SERVICES.map((service) => (
          <Card key={service.type}>
            <CardHeader>
              <CardTitle className="flex items-center gap-2">
                <StatusDot status={service.available ? "not_configured" : "coming_soon"} />
                {service.name}
              </CardTitle>
              <CardDescription>{service.description}</CardDescription>
            </CardHeader>
            <CardContent>
              <Link
                to={`/services/${service.type}`}
                className="text-sm font-medium text-brand-600 underline-offset-2 hover:underline"
              >
                {service.available ? "Set up" : "Learn more"}
              </Link>
            </CardContent>
          </Card>
        ))}
      </div>
    </>
  );
}
