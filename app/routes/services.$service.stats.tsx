// The Stats tab (spec §4): requests by outcome, bandwidth and latency for 24 h (hourly), 7 d and
// 30 d (daily), in UTC, from the hourly rollups. Charts are server-rendered SVG; the range is a
// plain link, so everything works without JavaScript.
import { BarChart3 } from "lucide-react";
import { useMemo } from "react";
import { data, Link, redirect } from "react-router";
import { type ChartSeries, TimeSeriesChart } from "#app/components/charts/time-series-chart.tsx";
import { EmptyState } from "#app/components/empty-state.tsx";
import { SectionError } from "#app/components/route-error.tsx";
import { Alert } from "#app/components/ui/alert.tsx";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "#app/components/ui/card.tsx";
import { snapshotService } from "#app/domain/customer-snapshot.ts";
import { serviceStats } from "#app/domain/usage-stats.server.ts";
import {
  DEFAULT_STATS_RANGE,
  demoHourlyUsage,
  foldUsage,
  isStatsRange,
  OUTCOME_CLASSES,
  type ServiceStats,
  STATS_RANGE_IDS,
  STATS_RANGES,
} from "#app/domain/usage-stats.ts";
import { getViewer } from "#app/lib/auth.server.ts";
import { customerSnapshot } from "#app/lib/customer-snapshot.server.ts";
import {
  bucketLabels,
  formatBytes,
  formatCompact,
  formatMs,
  formatNumber,
  formatPercent,
} from "#app/lib/format.ts";
import { getServices } from "#app/lib/services.server.ts";
import { cn } from "#app/lib/utils.ts";
import type { Route } from "./+types/services.$service.stats";
import { serviceTypeParam } from "./services.$service.tsx";

export async function loader({ params, request, context }: Route.LoaderArgs) {
  const serviceType = serviceTypeParam(params.service);
  const requested = new URL(request.url).searchParams.get("range") ?? DEFAULT_STATS_RANGE;
  if (!isStatsRange(requested)) {
    throw data(`Unknown range "${requested.slice(0, 16)}": choose 24 hours, 7 days or 30 days.`, {
      status: 400,
    });
  }
  const range = requested;
  const { db, clock, cache } = getServices(context);
  const now = clock.now();
  const viewer = getViewer(context);
  if (!viewer) {
    const demoStats = foldUsage(demoHourlyUsage(range, now), range, now);
    return { demo: true, serviceType, range, statsJson: JSON.stringify(demoStats) };
  }
  const service = snapshotService(await customerSnapshot({ request, context }, viewer), serviceType);
  if (!service || service.state === "cancelled") throw redirect(`/services/${serviceType}`);
  // Kept and sent as its JSON text: ~400 numbers that React Router would otherwise encode one by one
  // for hydration on every view (and the page cache serialize for its key); serialized once per
  // cache entry instead.
  const statsJson = await cache.fetch(viewer.customerId, `stats-json:${serviceType}:${range}`, async () =>
    JSON.stringify(await serviceStats(db, viewer.customerId, serviceType, range, now)),
  );
  return { demo: false, serviceType, range, statsJson };
}

const OUTCOME_TONES = {
  ok: "emerald",
  clientErrors: "amber",
  serverErrors: "rose",
  denied: "zinc",
} as const;

const REQUEST_SERIES: ChartSeries[] = OUTCOME_CLASSES.map((outcome) => ({
  id: outcome.id,
  label: outcome.label,
  tone: OUTCOME_TONES[outcome.id],
}));
const BANDWIDTH_SERIES: ChartSeries[] = [
  { id: "out", label: "Sent to clients", tone: "brand" },
  { id: "in", label: "Received", tone: "sky" },
];
const LATENCY_SERIES: ChartSeries[] = [
  { id: "p50", label: "p50", tone: "emerald" },
  { id: "p95", label: "p95", tone: "amber" },
  { id: "p99", label: "p99", tone: "rose" },
];

export default function ServiceStatsTab({ loaderData }: Route.ComponentProps) {
  const { statsJson, range, serviceType, demo } = loaderData;
  const stats = useMemo(() => JSON.parse(statsJson) as ServiceStats, [statsJson]);
  const unit = stats.unit;
  const labelled = stats.buckets.map((bucket) => ({ bucket, ...bucketLabels(bucket.start, unit) }));
  const labelEvery = unit === "hour" ? 3 : stats.buckets.length > 10 ? 5 : 1;
  const rangeLabel = STATS_RANGES[range].label;
  return (
    <div className="flex flex-col gap-6" data-testid="stats-tab">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <nav
          aria-label="Time range"
          className="inline-flex rounded-md border border-zinc-200 p-0.5 dark:border-zinc-800"
        >
          {STATS_RANGE_IDS.map((id) => (
            <Link
              key={id}
              to={`/services/${serviceType}/stats?range=${id}`}
              aria-current={id === range ? "page" : undefined}
              className={cn(
                "rounded px-3 py-1 text-sm font-medium",
                id === range
                  ? "bg-zinc-900 text-white dark:bg-zinc-100 dark:text-zinc-900"
                  : "text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100",
              )}
            >
              {STATS_RANGES[id].label}
            </Link>
          ))}
        </nav>
        <p className="text-xs text-muted">
          {unit === "hour" ? "Hourly" : "Daily"} buckets in UTC · the last {unit} is still in progress ·
          updated every few minutes
        </p>
      </div>

      {demo ? (
        <Alert tone="info">
          <span>Demo data. Connect a wallet to see your own traffic.</span>
        </Alert>
      ) : null}

      {stats.hasData ? (
        <>
          <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4" data-testid="stats-totals">
            <Card>
              <CardHeader>
                <CardDescription>Requests, last {rangeLabel}</CardDescription>
                <CardTitle size="lg" className="tabular-nums" data-testid="total-requests">
                  {formatNumber(stats.totals.requests)}
                </CardTitle>
              </CardHeader>
              <CardContent className="text-xs text-muted">
                {formatNumber(stats.totals.ok)} successful (billable)
              </CardContent>
            </Card>
            <Card>
              <CardHeader>
                <CardDescription>Success rate</CardDescription>
                <CardTitle size="lg" className="tabular-nums">
                  {formatPercent(stats.totals.successRate)}
                </CardTitle>
              </CardHeader>
              <CardContent className="text-xs text-muted">
                {formatNumber(stats.totals.serverErrors)} server errors · {formatNumber(stats.totals.denied)}{" "}
                denied
              </CardContent>
            </Card>
            <Card>
              <CardHeader>
                <CardDescription>Bandwidth</CardDescription>
                <CardTitle size="lg" className="tabular-nums">
                  {formatBytes(stats.totals.bytesOut)}
                </CardTitle>
              </CardHeader>
              <CardContent className="text-xs text-muted">
                sent · {formatBytes(stats.totals.bytesIn)} received
              </CardContent>
            </Card>
            <Card>
              <CardHeader>
                <CardDescription>Latency p50 / p95 / p99</CardDescription>
                <CardTitle size="lg" className="tabular-nums">
                  {formatMs(stats.totals.p50Ms)}
                </CardTitle>
              </CardHeader>
              <CardContent className="text-xs text-muted">
                p95 {formatMs(stats.totals.p95Ms)} · p99 {formatMs(stats.totals.p99Ms)}
              </CardContent>
            </Card>
          </div>

          <Card>
            <CardContent className="pt-5">
              <TimeSeriesChart
                title="Requests by outcome"
                description={`Requests per ${unit} over the last ${rangeLabel}, stacked by outcome: successful, client errors, server errors, and requests denied or rate limited at the edge.`}
                kind="stacked-bars"
                series={REQUEST_SERIES}
                labelEvery={labelEvery}
                format={formatCompact}
                buckets={labelled.map(({ bucket, label, longLabel }) => ({
                  label,
                  longLabel,
                  partial: bucket.partial,
                  values: [bucket.ok, bucket.clientErrors, bucket.serverErrors, bucket.denied],
                }))}
              />
            </CardContent>
          </Card>
          <div className="grid gap-6">
            <Card>
              <CardContent className="pt-5">
                <TimeSeriesChart
                  title="Bandwidth"
                  description={`Bytes sent and received per ${unit} over the last ${rangeLabel}.`}
                  kind="stacked-bars"
                  series={BANDWIDTH_SERIES}
                  labelEvery={labelEvery}
                  format={formatBytes}
                  buckets={labelled.map(({ bucket, label, longLabel }) => ({
                    label,
                    longLabel,
                    partial: bucket.partial,
                    values: [bucket.bytesOut, bucket.bytesIn],
                  }))}
                />
              </CardContent>
            </Card>
            <Card>
              <CardContent className="pt-5">
                <TimeSeriesChart
                  title="Latency"
                  description={`Median, 95th and 99th percentile response time per ${unit} over the last ${rangeLabel}, estimated from latency histograms.`}
                  kind="lines"
                  series={LATENCY_SERIES}
                  labelEvery={labelEvery}
                  format={(ms) => formatMs(ms)}
                  buckets={labelled.map(({ bucket, label, longLabel }) => ({
                    label,
                    longLabel,
                    partial: bucket.partial,
                    values: [bucket.p50Ms, bucket.p95Ms, bucket.p99Ms],
                  }))}
                />
              </CardContent>
            </Card>
          </div>
        </>
      ) : (
        <EmptyState icon={BarChart3} title={`No requests in the last ${rangeLabel}`}>
          Requests show here a few minutes after they reach the edge: the manager collects the edge's request
          logs and rolls them up every few minutes. If you expected traffic, check that the service is on and
          that your client sends one of your{" "}
          <Link className="underline" to={`/services/${serviceType}/keys`}>
            API keys
          </Link>
          .
        </EmptyState>
      )}
    </div>
  );
}

export function ErrorBoundary({ error, params }: Route.ErrorBoundaryProps) {
  return <SectionError error={error} resetTo={`/services/${params.service}/stats`} />;
}
