import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import { CreditCard } from "lucide-react";
import { data, Form, Link, redirect, useNavigation } from "react-router";
import { InvoiceStatusBadge } from "#app/components/billing/invoice-status.tsx";
import { LimitProgress } from "#app/components/billing/limit-progress.tsx";
import { EmptyState } from "#app/components/empty-state.tsx";
import { Button, buttonVariants } from "#app/components/ui/button.tsx";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "#app/components/ui/card.tsx";
import { PageHeader } from "#app/components/ui/page-header.tsx";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "#app/components/ui/table.tsx";
import { depositSchema, withdrawSchema } from "#app/domain/billing/forms.ts";
import { billingOverview } from "#app/domain/billing/overview.ts";
import { serviceDefinition, USAGE_INVOICE_THRESHOLD_CENTS, USAGE_PRICE } from "#app/domain/catalog.ts";
import { withdrawalAllowance } from "#app/domain/escrow.ts";
import { monthUsageByService } from "#app/domain/usage-stats.server.ts";
import { getViewer, requireCustomer } from "#app/lib/auth.server.ts";
import { transferNotice, transferWithSimulatedWallet } from "#app/lib/escrow-actions.server.ts";
import { flashCookie } from "#app/lib/flash.server.ts";
import { formatCents, formatNumber } from "#app/lib/format.ts";
import { readForm } from "#app/lib/request-body.server.ts";
import { getRequestInfo, getServices } from "#app/lib/services.server.ts";
import type { Route } from "./+types/billing";

export const meta = () => [{ title: "Billing · Suiftly" }];

export async function loader({ context }: Route.LoaderArgs) {
  const viewer = getViewer(context);
  if (!viewer) return { signedIn: false as const };
  const { db, clock, gateway, cache } = getServices(context);
  const now = clock.now();
  const overview = await billingOverview(db, viewer.customerId, now);
  const usage = await cache.fetch(viewer.customerId, "billing:month-usage", () =>
    monthUsageByService(db, viewer.customerId, now),
  );
  const allowance = await withdrawalAllowance(db, viewer.customerId);
  return {
    signedIn: true as const,
    overview,
    usage,
    maxWithdrawalCents: allowance.maxWithdrawalCents,
    withdrawalFloorCents: allowance.floorCents,
    simulatedWallet: gateway.simulatedWallet !== null,
    // A fresh id per page view: submitting the same form twice cannot move money twice.
    requestId: crypto.randomUUID(),
  };
}

export async function action({ request, context }: Route.ActionArgs) {
  const viewer = requireCustomer({ request, context });
  const services = getServices(context);
  const formData = await readForm(request);
  const intent = formData.get("intent");
  if (intent !== "deposit" && intent !== "withdraw") {
    return data({ intent: null, result: null, error: "Unknown action." }, { status: 400 });
  }
  const submission = parseWithZod(formData, {
    schema: intent === "deposit" ? depositSchema : withdrawSchema,
  });
  if (submission.status !== "success") {
    return data({ intent, result: submission.reply(), error: null }, { status: 400 });
  }
  const outcome = await transferWithSimulatedWallet(services, {
    customerId: viewer.customerId,
    kind: intent,
    amountCents: submission.value.amount,
    requestId: submission.value.requestId,
    ip: getRequestInfo(context).ip,
  });
  if (!outcome.ok) {
    const reply =
      outcome.field === "amount"
        ? submission.reply({ fieldErrors: { amount: [outcome.message] } })
        : submission.reply({ formErrors: [outcome.message] });
    return data({ intent, result: reply, error: null }, { status: 400 });
  }
  return redirect("/billing", {
    headers: {
      "Set-Cookie": flashCookie(
        { tone: "success", message: transferNotice(intent, outcome) },
        services.env.isProduction,
      ),
    },
  });
}

type LoaderData = Route.ComponentProps["loaderData"];
type SignedInData = Extract<LoaderData, { signedIn: true }>;
type ActionData = Route.ComponentProps["actionData"];

const dateFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });
const dateTimeFormat = new Intl.DateTimeFormat("en-US", {
  dateStyle: "medium",
  timeStyle: "short",
  timeZone: "UTC",
});

function TransferForm({
  kind,
  requestId,
  actionData,
  help,
}: {
  kind: "deposit" | "withdraw";
  requestId: string;
  actionData: ActionData;
  help: string;
}) {
  const navigation = useNavigation();
  const busy = navigation.state === "submitting" && navigation.formData?.get("intent") === kind;
  const [form, fields] = useForm({
    id: `${kind}-form`,
    lastResult: actionData?.intent === kind ? actionData.result : undefined,
    constraint: { amount: { required: true, pattern: "^\\$?[0-9,]{1,15}(\\.[0-9]{1,2})?$" } },
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) =>
      parseWithZod(formData, { schema: kind === "deposit" ? depositSchema : withdrawSchema }),
  });
  const label = kind === "deposit" ? "Deposit" : "Withdraw";
  return (
    <Form method="post" {...getFormProps(form)} className="flex flex-col gap-2">
      <input type="hidden" name="intent" value={kind} />
      <input type="hidden" name="requestId" value={requestId} />
      <label htmlFor={fields.amount.id} className="text-sm font-medium">
        {label} amount (USD)
      </label>
      <div className="flex gap-2">
        <input
          {...getInputProps(fields.amount, { type: "text" })}
          inputMode="decimal"
          autoComplete="off"
          placeholder="100.00"
          className="h-9 w-40 rounded-md border border-zinc-300 bg-white px-3 text-sm dark:border-zinc-700 dark:bg-zinc-900"
        />
        <Button type="submit" variant={kind === "deposit" ? "primary" : "secondary"} disabled={busy}>
          {busy ? `${label}ing…` : label}
        </Button>
      </div>
      <p className="text-xs text-muted">{help}</p>
      {fields.amount.errors ? (
        <p id={fields.amount.errorId} className="text-sm text-red-700 dark:text-red-300" role="alert">
          {fields.amount.errors.join(" ")}
        </p>
      ) : null}
      {form.errors ? (
        <p id={form.errorId} className="text-sm text-red-700 dark:text-red-300" role="alert">
          {form.errors.join(" ")}
        </p>
      ) : null}
    </Form>
  );
}

const LEDGER_LABEL: Record<string, string> = {
  deposit: "Deposit",
  withdraw: "Withdrawal",
  charge: "Charge",
  credit: "Credit",
};

function SignedInBilling({ data: page, actionData }: { data: SignedInData; actionData: ActionData }) {
  const { overview } = page;
  return (
    <div className="flex flex-col gap-6">
      <div className="grid gap-4 lg:grid-cols-3">
        <Card>
          <CardHeader>
            <CardDescription>Escrow balance</CardDescription>
            <CardTitle size="xl" className="tabular-nums" data-testid="billing-balance">
              {formatCents(overview.balanceCents)}
            </CardTitle>
          </CardHeader>
          <CardContent className="text-xs text-muted">
            {overview.escrowObjectId ? (
              <span className="font-mono break-all">Escrow {overview.escrowObjectId}</span>
            ) : (
              "Your first deposit opens your escrow account."
            )}
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardDescription>Charged this month</CardDescription>
            <CardTitle size="xl" className="tabular-nums">
              {formatCents(overview.monthToDateCents)}
            </CardTitle>
          </CardHeader>
          <CardContent>
            <LimitProgress spentCents={overview.monthToDateCents} limitCents={overview.spendingLimitCents} />
            <Link to="/settings/spending-limit" className="mt-2 inline-block text-xs text-link underline">
              Change spending limit
            </Link>
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardDescription>Next scheduled charge</CardDescription>
            <CardTitle size="xl" className="tabular-nums">
              {formatCents(overview.nextCharge.cents)}
            </CardTitle>
          </CardHeader>
          <CardContent className="text-xs text-muted">
            {overview.nextCharge.cents > 0
              ? `Monthly fees, charged in advance on ${dateFormat.format(new Date(overview.nextCharge.at))}.`
              : "No services to renew."}
            <dl className="mt-2 grid grid-cols-2 gap-1">
              <dt>Pending usage</dt>
              <dd className="text-right tabular-nums" data-testid="pending-usage">
                {formatCents(overview.pendingUsage.cents)}
              </dd>
              <dt>Last month</dt>
              <dd className="text-right tabular-nums">{formatCents(overview.lastMonthCents)}</dd>
            </dl>
          </CardContent>
        </Card>
      </div>

      <div className="grid gap-4 md:grid-cols-2">
        <Card id="deposit">
          <CardHeader>
            <CardTitle>Deposit</CardTitle>
            <CardDescription>
              {page.simulatedWallet
                ? "Simulated chain: the deposit is executed for your wallet and recorded as soon as it is verified."
                : "Deposits are signed in your wallet."}
            </CardDescription>
          </CardHeader>
          <CardContent>
            <TransferForm
              key={page.requestId}
              kind="deposit"
              requestId={page.requestId}
              actionData={actionData}
              help="USDC, 1 USDC = $1."
            />
          </CardContent>
        </Card>
        <Card id="withdraw">
          <CardHeader>
            <CardTitle>Withdraw</CardTitle>
            <CardDescription>Up to {formatCents(page.maxWithdrawalCents)} available now.</CardDescription>
          </CardHeader>
          <CardContent>
            <TransferForm
              key={page.requestId}
              kind="withdraw"
              requestId={page.requestId}
              actionData={actionData}
              help={
                page.withdrawalFloorCents > 0
                  ? `While a service is enabled, ${formatCents(page.withdrawalFloorCents)} stays in escrow.`
                  : "Withdrawals go back to your wallet."
              }
            />
          </CardContent>
        </Card>
      </div>

      <Card id="usage">
        <CardHeader>
          <CardTitle>Usage this month</CardTitle>
          <CardDescription>
            {formatCents(USAGE_PRICE.cents)} per {formatNumber(USAGE_PRICE.perRequests)} successful requests;
            errors and denied requests are free. Invoiced whenever pending usage reaches{" "}
            {formatCents(USAGE_INVOICE_THRESHOLD_CENTS)}, and on the 1st.
          </CardDescription>
        </CardHeader>
        <CardContent>
          {page.usage.length === 0 ? (
            <p className="text-sm text-muted">No requests this month yet.</p>
          ) : (
            <Table data-testid="usage-table">
              <TableHeader>
                <tr>
                  <TableHead>Service</TableHead>
                  <TableHead align="right">Requests</TableHead>
                  <TableHead align="right">Billable</TableHead>
                  <TableHead align="right">Free</TableHead>
                  <TableHead align="right">Amount</TableHead>
                </tr>
              </TableHeader>
              <TableBody>
                {page.usage.map((row) => (
                  <TableRow key={row.service}>
                    <TableCell>{serviceDefinition(row.service).name}</TableCell>
                    <TableCell align="right">{formatNumber(row.requests)}</TableCell>
                    <TableCell align="right">{formatNumber(row.billable)}</TableCell>
                    <TableCell align="right">{formatNumber(row.free)}</TableCell>
                    <TableCell align="right">{formatCents(row.valueCents)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </CardContent>
      </Card>

      <div className="grid gap-4 lg:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle>This month by service</CardTitle>
          </CardHeader>
          <CardContent>
            {overview.chargesByService.length === 0 ? (
              <p className="text-sm text-muted">No charges this month.</p>
            ) : (
              <Table>
                <TableHeader>
                  <tr>
                    <TableHead>Service</TableHead>
                    <TableHead align="right">Charged</TableHead>
                  </tr>
                </TableHeader>
                <TableBody>
                  {overview.chargesByService.map((row) => (
                    <TableRow key={row.serviceType ?? "account"}>
                      <TableCell>
                        {row.serviceType ? serviceDefinition(row.serviceType).name : "Account"}
                      </TableCell>
                      <TableCell align="right">{formatCents(row.cents)}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            )}
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Escrow ledger</CardTitle>
          </CardHeader>
          <CardContent>
            {overview.ledger.length === 0 ? (
              <p className="text-sm text-muted">No transactions yet.</p>
            ) : (
              <Table data-testid="ledger">
                <TableHeader>
                  <tr>
                    <TableHead>Date (UTC)</TableHead>
                    <TableHead>Type</TableHead>
                    <TableHead align="right">Amount</TableHead>
                  </tr>
                </TableHeader>
                <TableBody>
                  {overview.ledger.map((entry) => (
                    <TableRow key={entry.id}>
                      <TableCell>{dateTimeFormat.format(new Date(entry.executedAt))}</TableCell>
                      <TableCell title={entry.txDigest}>
                        {entry.invoiceId ? (
                          <Link className="underline" to={`/billing/invoices/${entry.invoiceId}`}>
                            {LEDGER_LABEL[entry.kind]}
                          </Link>
                        ) : (
                          LEDGER_LABEL[entry.kind]
                        )}
                      </TableCell>
                      <TableCell align="right">
                        {entry.kind === "deposit" || entry.kind === "credit" ? "+" : "−"}
                        {formatCents(entry.amountCents)}
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            )}
          </CardContent>
        </Card>
      </div>

      <Card>
        <CardHeader>
          <CardTitle>Invoices</CardTitle>
        </CardHeader>
        <CardContent>
          {overview.invoices.length === 0 ? (
            <p className="text-sm text-muted">No invoices yet.</p>
          ) : (
            <Table>
              <TableHeader>
                <tr>
                  <TableHead>Invoice</TableHead>
                  <TableHead>Date (UTC)</TableHead>
                  <TableHead>Kind</TableHead>
                  <TableHead>Status</TableHead>
                  <TableHead align="right">Amount</TableHead>
                </tr>
              </TableHeader>
              <TableBody>
                {overview.invoices.map((invoice) => (
                  <TableRow key={invoice.id}>
                    <TableCell>
                      <Link className="underline" to={`/billing/invoices/${invoice.id}`}>
                        #{invoice.id}
                      </Link>
                    </TableCell>
                    <TableCell>{dateFormat.format(new Date(invoice.createdAt))}</TableCell>
                    <TableCell className="capitalize">{invoice.kind}</TableCell>
                    <TableCell>
                      <InvoiceStatusBadge status={invoice.status} />
                    </TableCell>
                    <TableCell align="right">{formatCents(invoice.amountCents)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </CardContent>
      </Card>
    </div>
  );
}

export default function Billing({ loaderData, actionData }: Route.ComponentProps) {
  return (
    <>
      <PageHeader
        title="Billing"
        description="Escrow balance, deposits and withdrawals, charges and invoices."
      />
      {loaderData.signedIn ? (
        <SignedInBilling data={loaderData} actionData={actionData} />
      ) : (
        <EmptyState
          icon={CreditCard}
          title="No escrow account yet"
          action={
            <Link to="/login?redirectTo=%2Fbilling" className={buttonVariants()}>
              Connect wallet
            </Link>
          }
        >
          Your escrow balance, this month's charges and your invoices appear here once you sign in with a
          wallet.
        </EmptyState>
      )}
    </>
  );
}
