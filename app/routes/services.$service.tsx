// /services/seal and /services/grpc: the service's header (status, ON/OFF, banners) and tabs.
// Child routes: Config (index; onboarding when not configured), Keys, Stats, Logs.
import { data, Form, Link, NavLink, Outlet } from "react-router";
import { StatusDot } from "#app/components/layout/status-dot.tsx";
import { Alert } from "#app/components/ui/alert.tsx";
import { Badge } from "#app/components/ui/badge.tsx";
import { Button } from "#app/components/ui/button.tsx";
import {
  PURGE_AFTER_DAYS,
  type ServiceType,
  serviceDefinition,
  tierDefinition,
} from "#app/domain/catalog.ts";
import { snapshotInventory, snapshotService } from "#app/domain/customer-snapshot.ts";
import { displayState, scheduledChangesOf } from "#app/domain/services.ts";
import { getViewer } from "#app/lib/auth.server.ts";
import { customerSnapshot } from "#app/lib/customer-snapshot.server.ts";
import { cn } from "#app/lib/utils.ts";
import type { Route } from "./+types/services.$service";

const CONFIGURABLE: readonly ServiceType[] = ["seal", "grpc"];

export function serviceTypeParam(value: string | undefined): ServiceType {
  if (!value || !(CONFIGURABLE as readonly string[]).includes(value))
    throw data("Not found", { status: 404 });
  return value as ServiceType;
}

export const meta = ({ params }: Route.MetaArgs) => {
  const known = (CONFIGURABLE as readonly string[]).includes(params.service);
  return [
    { title: `${known ? serviceDefinition(params.service as ServiceType).name : "Service"} · Suiftly` },
  ];
};

export async function loader({ params, request, context }: Route.LoaderArgs) {
  const serviceType = serviceTypeParam(params.service);
  const definition = serviceDefinition(serviceType);
  const viewer = getViewer(context);
  const base = {
    serviceType,
    name: definition.name,
    description: definition.description,
    hasSealKeys: definition.hasSealKeys,
  };
  if (!viewer) return { ...base, signedIn: false as const, state: "not_configured" as const, service: null };
  const snapshot = await customerSnapshot({ request, context }, viewer);
  const service = snapshotService(snapshot, serviceType);
  if (!service) return { ...base, signedIn: true as const, state: "not_configured" as const, service: null };
  const inventory = snapshotInventory(snapshot, service.id);
  return {
    ...base,
    signedIn: true as const,
    state: displayState(service),
    service: {
      tier: service.tier,
      tierName: tierDefinition(service.tier).name,
      enabled: service.enabled,
      cancelEffectiveAt: service.cancelEffectiveAt,
      scheduled: scheduledChangesOf(service),
      activeApiKeys: inventory.apiKeys,
      liveSealKeys: inventory.sealKeys,
    },
  };
}

const STATE_LABEL = {
  enabled: "Enabled",
  disabled: "Off",
  cancel_scheduled: "Cancellation scheduled",
  cancelled: "Cancelled",
  not_configured: "Not configured",
} as const;

const dateFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeZone: "UTC" });

export default function ServiceLayout({ loaderData }: Route.ComponentProps) {
  const { service, serviceType, state } = loaderData;
  const action = `/services/${serviceType}?index`;
  const configured = service !== null && state !== "cancelled";
  const tabClass = ({ isActive }: { isActive: boolean }) =>
    cn(
      "border-b-2 px-3 py-2 text-sm font-medium",
      isActive
        ? "border-brand-600 text-zinc-900 dark:text-zinc-50"
        : "border-transparent text-muted hover:text-zinc-900 dark:hover:text-zinc-100",
    );
  return (
    <>
      <div className="mb-4 flex flex-wrap items-start justify-between gap-4">
        <div>
          <h1 className="flex items-center gap-3 text-2xl font-semibold tracking-tight">
            {loaderData.name}
            <Badge
              tone={state === "enabled" ? "success" : state === "not_configured" ? "neutral" : "warning"}
              data-testid="service-state"
            >
              <StatusDot status={state === "cancelled" ? "not_configured" : state} />
              {STATE_LABEL[state]}
            </Badge>
            {service ? <Badge tone="brand">{service.tierName}</Badge> : null}
          </h1>
          <p className="mt-1 text-sm text-muted">{loaderData.description}</p>
        </div>
        {configured ? (
          <Form method="post" action={action}>
            <input type="hidden" name="intent" value="toggle" />
            <input type="hidden" name="enabled" value={service.enabled ? "off" : "on"} />
            <Button
              type="submit"
              variant={service.enabled ? "secondary" : "primary"}
              aria-label={service.enabled ? "Turn off" : "Turn on"}
            >
              {service.enabled ? "Turn off" : "Turn on"}
            </Button>
          </Form>
        ) : null}
      </div>

      {configured ? (
        <div className="mb-4 flex flex-col gap-2">
          {state === "cancel_scheduled" && service.cancelEffectiveAt ? (
            <Alert tone="warning">
              <span>
                {loaderData.name} stops on {dateFormat.format(new Date(service.cancelEffectiveAt))}. Its
                configuration and keys are deleted {PURGE_AFTER_DAYS} days later.
              </span>
              <Form method="post" action={action} className="ml-auto">
                <input type="hidden" name="intent" value="undo-cancel" />
                <Button type="submit" size="sm" variant="secondary">
                  Keep {loaderData.name}
                </Button>
              </Form>
            </Alert>
          ) : null}
          {!service.enabled ? (
            <Alert tone="info">
              <span>
                {loaderData.name} is off: requests are refused. The monthly fee continues; turn it off only to
                pause traffic.
              </span>
            </Alert>
          ) : null}
          {service.scheduled.tier || service.scheduled.burstEnabled === false ? (
            <Alert tone="info" data-testid="scheduled-change">
              <span>
                Scheduled for the 1st:{" "}
                {[
                  service.scheduled.tier
                    ? `downgrade to ${tierDefinition(service.scheduled.tier).name}`
                    : null,
                  service.scheduled.burstEnabled === false ? "burst off" : null,
                ]
                  .filter(Boolean)
                  .join(", ")}
                .
              </span>
              <Form method="post" action={action} className="ml-auto">
                <input type="hidden" name="intent" value="undo-schedule" />
                <Button type="submit" size="sm" variant="secondary">
                  Undo
                </Button>
              </Form>
            </Alert>
          ) : null}
          {service.activeApiKeys === 0 ? (
            <Alert tone="warning">
              <span>
                Configuration needed: {loaderData.name} has no active API key, so no request can reach it.{" "}
                <Link className="underline" to={`/services/${serviceType}/keys`}>
                  Create one
                </Link>
                .
              </span>
            </Alert>
          ) : null}
          {loaderData.hasSealKeys && service.liveSealKeys === 0 ? (
            <Alert tone="warning">
              <span>
                Configuration needed: there is no Seal key yet.{" "}
                <Link className="underline" to={`/services/${serviceType}/keys`}>
                  Create one
                </Link>
                .
              </span>
            </Alert>
          ) : null}
        </div>
      ) : null}

      {configured ? (
        <nav
          aria-label={`${loaderData.name} sections`}
          className="mb-6 flex gap-1 border-b border-zinc-200 dark:border-zinc-800"
        >
          <NavLink to={`/services/${serviceType}`} end className={tabClass}>
            Config
          </NavLink>
          <NavLink to={`/services/${serviceType}/keys`} className={tabClass}>
            Keys
          </NavLink>
          <NavLink to={`/services/${serviceType}/stats`} className={tabClass}>
            Stats
          </NavLink>
          <NavLink to={`/services/${serviceType}/logs`} className={tabClass}>
            Logs
          </NavLink>
        </nav>
      ) : null}
      <Outlet />
    </>
  );
}
