import { Link, useRouteLoaderData } from "react-router";
import { StatusDot, statusLabel } from "#app/components/layout/status-dot.tsx";
import { Alert } from "#app/components/ui/alert.tsx";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "#app/components/ui/card.tsx";
import { PageHeader } from "#app/components/ui/page-header.tsx";
import { monthCharges } from "#app/domain/billing/overview.ts";
import { SERVICES, type TierId, tierDefinition } from "#app/domain/catalog.ts";
import { dashboardSummary, dashboardUsage } from "#app/domain/dashboard.ts";
import { getViewer } from "#app/lib/auth.server.ts";
import { customerSnapshot } from "#app/lib/customer-snapshot.server.ts";
import { formatCents, formatNumber } from "#app/lib/format.ts";
import { getServices } from "#app/lib/services.server.ts";
import type { loader as rootLoader } from "../root.tsx";
import type { Route } from "./+types/dashboard";

export const meta = () => [{ title: "Dashboard · Suiftly" }];

export async function loader({ request, context }: Route.LoaderArgs) {
  const viewer = getViewer(context);
  if (!viewer) {
    // Demo mode: the real catalog, nothing configured.
    return {
      address: null,
      services: SERVICES.map((service) => ({
        type: service.type,
        name: service.name,
        description: service.description,
        available: service.available,
        state: "not_configured" as const,
        tier: null,
        requests24h: 0,
        successRate24h: null,
        monthCostCents: 0,
        pendingUsageCents: 0,
      })),
      warnings: [],
      money: null,
    };
  }
  const { db, clock, cache } = getServices(context);
  const now = clock.now();
  const [snapshot, usage, charges] = await Promise.all([
    customerSnapshot({ request, context }, viewer),
    // Usage is written by the manager every few minutes: served from the per-customer cache.
    cache.fetch(viewer.customerId, "dashboard:usage", () => dashboardUsage(db, viewer.customerId, now)),
    monthCharges(db, viewer.customerId, now),
  ]);
  const { services, warnings } = dashboardSummary(snapshot, charges.chargesByService, usage);
  // Balance and next month's fees come from the root loader (the header shows them too).
  return {
    address: viewer.address,
    services,
    warnings,
    money: {
      monthToDateCents: charges.monthToDateCents,
      pendingUsageCents: services.reduce((sum, service) => sum + service.pendingUsageCents, 0),
    },
  };
}

export default function Dashboard({ loaderData }: Route.ComponentProps) {
  const shell = useRouteLoaderData<typeof rootLoader>("root");
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
      {loaderData.money && shell?.wallet && shell.banners ? (
        <div className="mb-6 grid gap-4 sm:grid-cols-2 lg:grid-cols-4" data-testid="dashboard-money">
          {[
            ["Balance", shell.wallet.balanceCents, "/billing"],
            ["Charged this month", loaderData.money.monthToDateCents, "/billing"],
            ["Pending usage", loaderData.money.pendingUsageCents, "/billing#usage"],
            ["Next monthly charge", shell.banners.nextMonthFeesCents, "/billing"],
          ].map(([label, cents, href]) => (
            <Card key={String(label)}>
              <CardHeader>
                <CardDescription>
                  <Link to={String(href)} className="hover:underline">
                    {label}
                  </Link>
                </CardDescription>
                <CardTitle size="lg" className="tabular-nums">
                  {formatCents(Number(cents))}
                </CardTitle>
              </CardHeader>
            </Card>
          ))}
        </div>
      ) : null}
      {loaderData.warnings.length > 0 ? (
        <section aria-labelledby="attention-title" className="mb-6">
          <h2 id="attention-title" className="mb-2 text-sm font-semibold">
            Needs attention
          </h2>
          <ul className="flex flex-col gap-2" data-testid="dashboard-warnings">
            {loaderData.warnings.map((warning) => (
              <li key={`${warning.service}:${warning.message}`}>
                <Alert tone="warning">
                  <span>
                    {warning.message}{" "}
                    <Link to={warning.href} className="underline">
                      {warning.action}
                    </Link>
                  </span>
                </Alert>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <div className="grid gap-4 md:grid-cols-3">
        {loaderData.services.map((service) => {
          const status = !service.available
            ? "coming_soon"
            : service.state === "cancelled"
              ? "not_configured"
              : service.state;
          const configured = service.state !== "not_configured" && service.state !== "cancelled";
          return (
            <Card key={service.type} data-testid={`service-card-${service.type}`}>
              <CardHeader>
                <CardTitle className="flex items-center gap-2">
                  <StatusDot status={status} />
                  {service.name}
                  {service.tier ? (
                    <span className="text-sm font-normal text-muted">
                      {tierDefinition(service.tier as TierId).name}
                    </span>
                  ) : null}
                </CardTitle>
                <CardDescription>{configured ? statusLabel(status) : service.description}</CardDescription>
              </CardHeader>
              <CardContent className="flex flex-col gap-2 text-sm">
                {configured ? (
                  <dl className="grid grid-cols-2 gap-1">
                    <dt className="text-muted">Requests, 24 h</dt>
                    <dd className="text-right tabular-nums">{formatNumber(service.requests24h)}</dd>
                    <dt className="text-muted">Success rate</dt>
                    <dd className="text-right tabular-nums">
                      {service.successRate24h === null
                        ? "—"
                        : `${(service.successRate24h * 100).toFixed(1)}%`}
                    </dd>
                    <dt className="text-muted">This month</dt>
                    <dd className="text-right tabular-nums">{formatCents(service.monthCostCents)}</dd>
                  </dl>
                ) : null}
                <Link
                  to={`/services/${service.type}`}
                  className="text-sm font-medium text-link underline-offset-2 hover:underline"
                >
                  {configured ? "Manage" : service.available ? "Set up" : "Learn more"}
                </Link>
              </CardContent>
            </Card>
          );
        })}
      </div>
    </>
  );
}
