import { Activity as ActivityIcon } from "lucide-react";
import { data, Form, Link } from "react-router";
import { EmptyState } from "#app/components/empty-state.tsx";
import { Badge } from "#app/components/ui/badge.tsx";
import { Button, buttonVariants } from "#app/components/ui/button.tsx";
import { Card, CardContent } from "#app/components/ui/card.tsx";
import { PageHeader } from "#app/components/ui/page-header.tsx";
import { activityPage, decodeCursor } from "#app/domain/activity-feed.ts";
import { ACTIVITY_KIND_LABELS, isActivityKind } from "#app/domain/activity-kinds.ts";
import { getViewer } from "#app/lib/auth.server.ts";
import { shortAddress } from "#app/lib/format.ts";
import { getServices } from "#app/lib/services.server.ts";
import type { Route } from "./+types/activity";

export const meta = () => [{ title: "Activity · Suiftly" }];

export async function loader({ request, context }: Route.LoaderArgs) {
  const viewer = getViewer(context);
  if (!viewer) return { signedIn: false as const };
  const url = new URL(request.url);
  const kindParam = url.searchParams.get("kind") ?? "";
  const beforeParam = url.searchParams.get("before");
  if (kindParam && !isActivityKind(kindParam)) throw data("Unknown activity kind.", { status: 400 });
  const before = beforeParam ? decodeCursor(beforeParam) : undefined;
  if (before === null) throw data("Invalid page cursor.", { status: 400 });
  const kind = kindParam && isActivityKind(kindParam) ? kindParam : undefined;
  const page = await activityPage(getServices(context).db, viewer.customerId, { kind, before });
  return {
    signedIn: true as const,
    kind: kind ?? "",
    paged: Boolean(before),
    entries: page.entries.map((entry) => ({
      id: entry.id,
      kind: entry.kind,
      summary: entry.summary,
      actorAddress: entry.actorAddress,
      ip: entry.ip,
      createdAt: entry.createdAt.toISOString(),
    })),
    next: page.next,
  };
}

const timeFormat = new Intl.DateTimeFormat("en-US", {
  dateStyle: "medium",
  timeStyle: "medium",
  timeZone: "UTC",
});

export default function Activity({ loaderData }: Route.ComponentProps) {
  if (!loaderData.signedIn) {
    return (
      <>
        <PageHeader
          title="Activity"
          description="Every sign-in, change, key operation, charge and payment."
        />
        <EmptyState
          icon={ActivityIcon}
          title="No activity to show"
          action={
            <Link to="/login?redirectTo=%2Factivity" className={buttonVariants()}>
              Connect wallet
            </Link>
          }
        >
          Your account's activity log appears here once you sign in.
        </EmptyState>
      </>
    );
  }
  const query = (params: Record<string, string>) => {
    const search = new URLSearchParams(Object.entries(params).filter(([, value]) => value));
    const text = search.toString();
    return text ? `?${text}` : "";
  };
  return (
    <>
      <PageHeader
        title="Activity"
        description="Every sign-in, change, key operation, charge and payment, newest first. Times are UTC."
      />
      <Form method="get" className="mb-4 flex items-end gap-2">
        <label className="flex flex-col gap-1 text-sm">
          Show
          <select
            name="kind"
            defaultValue={loaderData.kind}
            className="h-9 rounded-md border border-zinc-300 bg-white px-2 dark:border-zinc-700 dark:bg-zinc-900"
          >
            <option value="">Everything</option>
            {Object.entries(ACTIVITY_KIND_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <Button type="submit" variant="secondary">
          Filter
        </Button>
      </Form>
      <Card>
        <CardContent className="pt-5">
          {loaderData.entries.length === 0 ? (
            <p className="text-sm text-muted">Nothing here yet.</p>
          ) : (
            <ol className="divide-y divide-zinc-100 dark:divide-zinc-800" data-testid="activity-list">
              {loaderData.entries.map((entry) => (
                <li key={entry.id} className="flex flex-wrap items-baseline gap-x-3 gap-y-1 py-2 text-sm">
                  <time dateTime={entry.createdAt} className="w-48 shrink-0 text-muted tabular-nums">
                    {timeFormat.format(new Date(entry.createdAt))}
                  </time>
                  <Badge>{ACTIVITY_KIND_LABELS[entry.kind]}</Badge>
                  <span className="min-w-0 flex-1">{entry.summary}</span>
                  <span className="font-mono text-xs text-muted">
                    {entry.actorAddress ? shortAddress(entry.actorAddress) : "Suiftly"}
                    {entry.ip ? ` · ${entry.ip}` : ""}
                  </span>
                </li>
              ))}
            </ol>
          )}
          <div className="mt-4 flex gap-4 text-sm">
            {loaderData.paged ? (
              <Link to={`/activity${query({ kind: loaderData.kind })}`} className="underline">
                Newest
              </Link>
            ) : null}
            {loaderData.next ? (
              <Link
                to={`/activity${query({ kind: loaderData.kind, before: loaderData.next })}`}
                className="underline"
              >
                Load more
              </Link>
            ) : null}
          </div>
        </CardContent>
      </Card>
    </>
  );
}
