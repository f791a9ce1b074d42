import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import { Gauge } from "lucide-react";
import { data, Form, Link, redirect, useNavigation } from "react-router";
import { LimitProgress } from "#app/components/billing/limit-progress.tsx";
import { EmptyState } from "#app/components/empty-state.tsx";
import { Button, buttonVariants } from "#app/components/ui/button.tsx";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "#app/components/ui/card.tsx";
import { PageHeader } from "#app/components/ui/page-header.tsx";
import { SPENDING_LIMIT, spendingLimitSchema } from "#app/domain/billing/forms.ts";
import { billingOverview } from "#app/domain/billing/overview.ts";
import { getViewer, requireCustomer } from "#app/lib/auth.server.ts";
import { flashCookie } from "#app/lib/flash.server.ts";
import { formatCents } from "#app/lib/format.ts";
import { readForm } from "#app/lib/request-body.server.ts";
import { getRequestInfo, getServices } from "#app/lib/services.server.ts";
import { changeSpendingLimit } from "#app/lib/spending-limit.server.ts";
import type { Route } from "./+types/settings.spending-limit";

export const meta = () => [{ title: "Spending limit · Suiftly" }];

export async function loader({ context }: Route.LoaderArgs) {
  const viewer = getViewer(context);
  if (!viewer) return { signedIn: false as const };
  const { db, clock } = getServices(context);
  const overview = await billingOverview(db, viewer.customerId, clock.now());
  return {
    signedIn: true as const,
    limitCents: overview.spendingLimitCents,
    monthToDateCents: overview.monthToDateCents,
  };
}

export async function action({ request, context }: Route.ActionArgs) {
  const viewer = requireCustomer({ request, context });
  const services = getServices(context);
  const submission = parseWithZod(await readForm(request), { schema: spendingLimitSchema });
  if (submission.status !== "success") return data(submission.reply(), { status: 400 });
  const result = await changeSpendingLimit(services, {
    customerId: viewer.customerId,
    walletAddress: viewer.address,
    limitCents: submission.value.limit,
    ip: getRequestInfo(context).ip,
  });
  if (!result.ok) return data(submission.reply({ formErrors: [result.message] }), { status: 400 });
  return redirect("/settings/spending-limit", {
    headers: {
      "Set-Cookie": flashCookie(
        { tone: "success", message: `Monthly spending limit set to ${formatCents(submission.value.limit)}.` },
        services.env.isProduction,
      ),
    },
  });
}

export default function SpendingLimit({ loaderData, actionData }: Route.ComponentProps) {
  const navigation = useNavigation();
  const [form, fields] = useForm({
    id: "spending-limit",
    lastResult: actionData,
    constraint: { limit: { required: true, pattern: "^\\$?[0-9,]{1,15}(\\.[0-9]{1,2})?$" } },
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: spendingLimitSchema }),
  });
  return (
    <>
      <PageHeader
        title="Spending limit"
        description="A monthly cap on what your escrow can be charged. A charge that would go over it is refused."
      />
      {!loaderData.signedIn ? (
        <EmptyState
          icon={Gauge}
          title="Sign in to manage your limit"
          action={
            <Link to="/login?redirectTo=%2Fsettings%2Fspending-limit" className={buttonVariants()}>
              Connect wallet
            </Link>
          }
        >
          The default limit is {formatCents(SPENDING_LIMIT.defaultCents)} a month; you can set it anywhere
          from {formatCents(SPENDING_LIMIT.minCents)} to {formatCents(SPENDING_LIMIT.maxCents)}.
        </EmptyState>
      ) : (
        <Card className="max-w-xl">
          <CardHeader>
            <CardDescription>Current limit</CardDescription>
            <CardTitle size="xl" className="tabular-nums" data-testid="current-limit">
              {formatCents(loaderData.limitCents)}
            </CardTitle>
          </CardHeader>
          <CardContent className="flex flex-col gap-6">
            <LimitProgress spentCents={loaderData.monthToDateCents} limitCents={loaderData.limitCents} />
            <Form method="post" {...getFormProps(form)} className="flex flex-col gap-2">
              <label htmlFor={fields.limit.id} className="text-sm font-medium">
                New monthly limit (USD)
              </label>
              <div className="flex gap-2">
                <input
                  {...getInputProps(fields.limit, { type: "text" })}
                  inputMode="decimal"
                  placeholder={String(SPENDING_LIMIT.defaultCents / 100)}
                  className="h-9 w-40 rounded-md border border-zinc-300 bg-white px-3 text-sm dark:border-zinc-700 dark:bg-zinc-900"
                />
                <Button type="submit" disabled={navigation.state === "submitting"}>
                  Save limit
                </Button>
              </div>
              <p className="text-xs text-muted">
                Between {formatCents(SPENDING_LIMIT.minCents)} and {formatCents(SPENDING_LIMIT.maxCents)}.
                "This month" is the UTC calendar month.
              </p>
              {fields.limit.errors ? (
                <p id={fields.limit.errorId} role="alert" className="text-sm text-red-700 dark:text-red-300">
                  {fields.limit.errors.join(" ")}
                </p>
              ) : null}
              {form.errors ? (
                <p role="alert" className="text-sm text-red-700 dark:text-red-300">
                  {form.errors.join(" ")}
                </p>
              ) : null}
            </Form>
          </CardContent>
        </Card>
      )}
    </>
  );
}
