// The Logs tab (spec §4): the customer's recent requests from the edge's logs, newest first,
// filtered by service, status class, outcome, key and time range, paged by cursor. The filter is a
// GET form and the pages are links, so it all works without JavaScript.
import { parseWithZod } from "@conform-to/zod/v4";
import { ScrollText } from "lucide-react";
import { useMemo } from "react";
import { data, Form, Link, redirect } from "react-router";
import { EmptyState } from "#app/components/empty-state.tsx";
import { SectionError } from "#app/components/route-error.tsx";
import { Alert } from "#app/components/ui/alert.tsx";
import { Badge } from "#app/components/ui/badge.tsx";
import { Button } from "#app/components/ui/button.tsx";
import { Card } from "#app/components/ui/card.tsx";
import { FieldError } from "#app/components/ui/field-error.tsx";
import { SERVICES } from "#app/domain/catalog.ts";
import { snapshotKeyChoices, snapshotService } from "#app/domain/customer-snapshot.ts";
import {
  DEFAULT_LOG_RANGE,
  LOG_RANGE_IDS,
  LOG_RANGES,
  logFiltersSchema,
  OUTCOME_LABELS,
  STATUS_CLASSES,
} from "#app/domain/request-log-filters.ts";
import {
  decodeLogRows,
  type KeyChoice,
  type LogRowTuple,
  UnknownKeyFilterError,
} from "#app/domain/request-logs.ts";
import { getViewer } from "#app/lib/auth.server.ts";
import { customerSnapshot } from "#app/lib/customer-snapshot.server.ts";
import { formatBytes, formatNumber, formatTimestamp } from "#app/lib/format.ts";
import { cachedRequestLogPage } from "#app/lib/request-log-cache.server.ts";
import { getServices } from "#app/lib/services.server.ts";
import { LOG_OUTCOMES } from "#db/schema/values.ts";
import type { Route } from "./+types/services.$service.logs";
import { serviceTypeParam } from "./services.$service.tsx";

/** The query-string fields the form owns (paging cursors are added by the links). */
const FILTER_FIELDS = ["service", "status", "outcome", "key", "range"] as const;
type FilterValues = Partial<Record<(typeof FILTER_FIELDS)[number], string>>;

const DEMO_KEY_FP = "demo";
/** The demo's key, labelled as the customer's own keys are (its first and last characters). */
const DEMO_KEYS: KeyChoice[] = [{ id: 0, label: "SDEMO0…AAAA", fingerprint: DEMO_KEY_FP, state: "active" }];
const DEMO_ROWS = JSON.stringify(
  (
    [
      ["2026-01-01T12:00:04Z", "POST", 200, "ok", 38],
      ["2026-01-01T12:00:03Z", "POST", 200, "ok", 41],
      ["2026-01-01T12:00:02Z", "POST", 429, "ratelimited", 1],
      ["2026-01-01T12:00:01Z", "POST", 503, "error", 2_004],
    ] as const
  ).map(
    ([ts, method, status, outcome, latencyMs], index): LogRowTuple => [
      Date.parse(ts),
      index,
      "us-east",
      "seal",
      method,
      status,
      outcome,
      latencyMs,
      312,
      status === 200 ? 2_184 : 96,
      DEMO_KEY_FP,
      1,
    ],
  ),
);

function rawFilters(url: URL): FilterValues {
  const values: FilterValues = {};
  for (const field of FILTER_FIELDS) {
    const value = url.searchParams.get(field);
    if (value) values[field] = value.slice(0, 64);
  }
  return values;
}

export async function loader({ params, request, context }: Route.LoaderArgs) {
  const serviceType = serviceTypeParam(params.service);
  const url = new URL(request.url);
  const values = rawFilters(url);
  const viewer = getViewer(context);
  if (!viewer) {
    return {
      demo: true,
      serviceType,
      values,
      errors: null,
      keys: [] as KeyChoice[],
      page: { rows: DEMO_ROWS, older: null, newer: null },
      paged: false,
    };
  }
  const { db, clock, cache } = getServices(context);
  const snapshot = await customerSnapshot({ request, context }, viewer);
  const service = snapshotService(snapshot, serviceType);
  if (!service || service.state === "cancelled") throw redirect(`/services/${serviceType}`);
  const keys = snapshotKeyChoices(snapshot);
  const empty = { rows: "[]", older: null, newer: null };

  const submission = parseWithZod(url.searchParams, { schema: logFiltersSchema });
  if (submission.status !== "success") {
    return data(
      {
        demo: false,
        serviceType,
        values,
        errors: submission.reply().error ?? null,
        keys,
        page: empty,
        paged: false,
      },
      { status: 400 },
    );
  }
  const filters = submission.value;
  try {
    const page = await cachedRequestLogPage(cache, db, {
      customerId: viewer.customerId,
      filters,
      service: serviceType,
      keys,
      now: clock.now(),
      logsMark: snapshot.logsMark,
    });
    return {
      demo: false,
      serviceType,
      values,
      errors: null,
      keys,
      page,
      paged: Boolean(filters.before || filters.after),
    };
  } catch (error) {
    if (!(error instanceof UnknownKeyFilterError)) throw error;
    return data(
      {
        demo: false,
        serviceType,
        values,
        errors: { key: ["Choose one of your API keys."] } as Record<string, string[] | null>,
        keys,
        page: empty,
        paged: false,
      },
      { status: 400 },
    );
  }
}

const selectClass =
  "h-9 rounded-md border border-zinc-300 bg-white px-2 text-sm dark:border-zinc-700 dark:bg-zinc-900";

function statusTone(status: number) {
  if (status >= 500 || status < 100) return "danger" as const;
  if (status >= 400) return "warning" as const;
  return "success" as const;
}

export default function ServiceLogsTab({ loaderData }: Route.ComponentProps) {
  const { serviceType, values, errors, keys, page, demo, paged } = loaderData;
  const entries = useMemo(() => decodeLogRows(page.rows, demo ? DEMO_KEYS : keys), [page.rows, demo, keys]);
  const basePath = `/services/${serviceType}/logs`;
  const link = (cursor: Record<string, string>) => {
    const search = new URLSearchParams({ ...values, ...cursor });
    const text = search.toString();
    return text ? `${basePath}?${text}` : basePath;
  };
  const fieldErrors = (name: string) => errors?.[name] ?? undefined;
  const cursorError = fieldErrors("before") ?? fieldErrors("after");
  const filtered = FILTER_FIELDS.some((field) => field !== "range" && values[field]);
  const rangeLabel = LOG_RANGES[(values.range as keyof typeof LOG_RANGES) ?? DEFAULT_LOG_RANGE]?.label;

  return (
    <div className="flex flex-col gap-4" data-testid="logs-tab">
      {demo ? (
        <Alert tone="info">
          <span>Demo data. Connect a wallet to see your own requests.</span>
        </Alert>
      ) : null}
      <Form
        method="get"
        action={basePath}
        className="flex flex-wrap items-end gap-3"
        aria-label="Filter requests"
      >
        <label className="flex flex-col gap-1 text-sm">
          Service
          <select name="service" defaultValue={values.service ?? serviceType} className={selectClass}>
            <option value="all">All services</option>
            {SERVICES.filter((service) => service.available).map((service) => (
              <option key={service.type} value={service.type}>
                {service.name}
              </option>
            ))}
          </select>
          <FieldError errors={fieldErrors("service")} />
        </label>
        <label className="flex flex-col gap-1 text-sm">
          Status
          <select name="status" defaultValue={values.status ?? ""} className={selectClass}>
            <option value="">Any status</option>
            {Object.entries(STATUS_CLASSES).map(([id, { label }]) => (
              <option key={id} value={id}>
                {label}
              </option>
            ))}
          </select>
          <FieldError errors={fieldErrors("status")} />
        </label>
        <label className="flex flex-col gap-1 text-sm">
          Outcome
          <select name="outcome" defaultValue={values.outcome ?? ""} className={selectClass}>
            <option value="">Any outcome</option>
            {LOG_OUTCOMES.map((outcome) => (
              <option key={outcome} value={outcome}>
                {OUTCOME_LABELS[outcome]}
              </option>
            ))}
          </select>
          <FieldError errors={fieldErrors("outcome")} />
        </label>
        <label className="flex flex-col gap-1 text-sm">
          API key
          <select name="key" defaultValue={values.key ?? ""} className={selectClass}>
            <option value="">Any key</option>
            {keys.map((key) => (
              <option key={key.id} value={String(key.id)}>
                {key.label}
                {key.state === "active" ? "" : ` — ${key.state}`}
              </option>
            ))}
          </select>
          <FieldError errors={fieldErrors("key")} />
        </label>
        <label className="flex flex-col gap-1 text-sm">
          Time range
          <select name="range" defaultValue={values.range ?? DEFAULT_LOG_RANGE} className={selectClass}>
            {LOG_RANGE_IDS.map((id) => (
              <option key={id} value={id}>
                {LOG_RANGES[id].label}
              </option>
            ))}
          </select>
          <FieldError errors={fieldErrors("range")} />
        </label>
        <Button type="submit" variant="secondary">
          Apply
        </Button>
        {filtered ? (
          <Link to={basePath} className="self-center text-sm underline">
            Clear filters
          </Link>
        ) : null}
      </Form>
      {cursorError ? (
        <Alert tone="danger">
          <span>
            {cursorError.join(" ")}{" "}
            <Link className="underline" to={link({})}>
              Back to the newest requests
            </Link>
            .
          </span>
        </Alert>
      ) : null}

      {entries.length === 0 ? (
        errors ? null : (
          <EmptyState icon={ScrollText} title={paged ? "No more requests" : "No requests match"}>
            {paged
              ? "There is nothing further in this direction."
              : `Nothing ${filtered ? "matches these filters" : "was logged"} in the ${rangeLabel?.toLowerCase() ?? "selected range"}. Requests appear here within a few minutes of reaching the edge.`}
          </EmptyState>
        )
      ) : (
        <Card>
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm tabular-nums" data-testid="request-log">
              <caption className="sr-only">Requests, newest first. Times are UTC.</caption>
              <thead className="text-xs text-muted">
                <tr className="border-b border-zinc-200 dark:border-zinc-800">
                  <th className="px-4 py-2 font-medium">Time (UTC)</th>
                  <th className="px-2 py-2 font-medium">Service</th>
                  <th className="px-2 py-2 font-medium">Region</th>
                  <th className="px-2 py-2 font-medium">Method</th>
                  <th className="px-2 py-2 font-medium">Status</th>
                  <th className="px-2 py-2 font-medium">Outcome</th>
                  <th className="px-2 py-2 text-right font-medium">Latency</th>
                  <th className="px-2 py-2 text-right font-medium">In / out</th>
                  <th className="px-4 py-2 font-medium">Key</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((entry) => (
                  <tr
                    key={entry.key}
                    data-row={entry.key}
                    className="border-b border-zinc-100 last:border-0 dark:border-zinc-800"
                  >
                    <td className="px-4 py-1.5 whitespace-nowrap">
                      <time dateTime={entry.ts}>{formatTimestamp(entry.ts)}</time>
                      {entry.repeat > 1 ? (
                        <span className="ml-1 text-xs text-muted" title="Identical requests logged together">
                          ×{formatNumber(entry.repeat)}
                        </span>
                      ) : null}
                    </td>
                    <td className="px-2 py-1.5">{entry.service}</td>
                    <td className="px-2 py-1.5">{entry.region}</td>
                    <td className="px-2 py-1.5 font-mono text-xs">{entry.method}</td>
                    <td className="px-2 py-1.5">
                      <Badge tone={statusTone(entry.status)} data-testid="log-status">
                        {entry.status}
                      </Badge>
                    </td>
                    <td className="px-2 py-1.5">{OUTCOME_LABELS[entry.outcome]}</td>
                    <td className="px-2 py-1.5 text-right">{formatNumber(entry.latencyMs)} ms</td>
                    <td className="px-2 py-1.5 text-right whitespace-nowrap">
                      {formatBytes(entry.bytesIn)} / {formatBytes(entry.bytesOut)}
                    </td>
                    <td className="px-4 py-1.5 font-mono text-xs">{entry.apiKey ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Card>
      )}

      <nav aria-label="Pages" className="flex items-center gap-4 text-sm">
        {paged ? (
          <Link to={link({})} className="underline">
            Newest
          </Link>
        ) : null}
        {page.newer ? (
          <Link to={link({ after: page.newer })} rel="prev" className="underline">
            ← Newer
          </Link>
        ) : null}
        {page.older ? (
          <Link to={link({ before: page.older })} rel="next" className="underline">
            Older →
          </Link>
        ) : null}
      </nav>
    </div>
  );
}

export function ErrorBoundary({ error, params }: Route.ErrorBoundaryProps) {
  return <SectionError error={error} resetTo={`/services/${params.service}/logs`} />;
}
