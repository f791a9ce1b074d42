import { and, asc, eq } from "drizzle-orm";
import { data, Link } from "react-router";
import { InvoiceStatusBadge } from "#app/components/billing/invoice-status.tsx";
import { PrintButton } from "#app/components/billing/print-button.tsx";
import { Card, CardContent } from "#app/components/ui/card.tsx";
import {
  Table,
  TableBody,
  TableCell,
  TableFooter,
  TableHead,
  TableHeader,
  TableRow,
} from "#app/components/ui/table.tsx";
import { USAGE_PRICE } from "#app/domain/catalog.ts";
import { requireCustomer } from "#app/lib/auth.server.ts";
import { formatCents } from "#app/lib/format.ts";
import { getServices } from "#app/lib/services.server.ts";
import { billingLineItems, billingRecords } from "#db/schema/index.ts";
import type { Route } from "./+types/billing.invoices.$id";

export const meta = ({ params }: Route.MetaArgs) => [{ title: `Invoice #${params.id} · Suiftly` }];

export async function loader({ request, context, params }: Route.LoaderArgs) {
  const viewer = requireCustomer({ request, context });
  const id = /^\d{1,15}$/.test(params.id) ? Number(params.id) : null;
  if (!id) throw data("Not found", { status: 404 });
  const { db } = getServices(context);
  // Scoped by the signed-in customer: another customer's invoice is simply not found.
  const [invoice] = await db
    .select()
    .from(billingRecords)
    .where(and(eq(billingRecords.id, id), eq(billingRecords.customerId, viewer.customerId)));
  if (!invoice) throw data("Not found", { status: 404 });
  const lines = await db
    .select()
    .from(billingLineItems)
    .where(eq(billingLineItems.invoiceId, id))
    .orderBy(asc(billingLineItems.id));
  return { invoice, lines, address: viewer.address };
}

const dateTime = new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeStyle: "short", timeZone: "UTC" });

export default function Invoice({ loaderData }: Route.ComponentProps) {
  const { invoice, lines, address } = loaderData;
  return (
    <div className="max-w-3xl">
      <div className="no-print mb-4 flex items-center justify-between">
        <Link to="/billing" className="text-sm text-link underline">
          ← Billing
        </Link>
        <PrintButton />
      </div>
      <Card>
        <CardContent className="flex flex-col gap-6 pt-5">
          <div className="flex flex-wrap items-start justify-between gap-4">
            <div>
              <h1 className="text-2xl font-semibold">Invoice #{invoice.id}</h1>
              <p className="text-sm text-muted">
                Suiftly · issued {dateTime.format(new Date(invoice.createdAt))} UTC
              </p>
            </div>
            <InvoiceStatusBadge status={invoice.status} />
          </div>
          <dl className="grid grid-cols-[max-content_1fr] gap-x-6 gap-y-1 text-sm">
            <dt className="text-muted">Billed to</dt>
            <dd className="font-mono break-all">{address}</dd>
            <dt className="text-muted">Kind</dt>
            <dd className="capitalize">{invoice.kind}</dd>
            {invoice.periodStart ? (
              <>
                <dt className="text-muted">Period</dt>
                <dd>
                  {dateTime.format(new Date(invoice.periodStart))} –{" "}
                  {invoice.periodEnd ? dateTime.format(new Date(invoice.periodEnd)) : ""}
                </dd>
              </>
            ) : null}
            {invoice.paidAt ? (
              <>
                <dt className="text-muted">Paid</dt>
                <dd>{dateTime.format(new Date(invoice.paidAt))} UTC</dd>
              </>
            ) : null}
            {invoice.txDigest ? (
              <>
                <dt className="text-muted">Payment digest</dt>
                <dd className="font-mono break-all" data-testid="payment-digest">
                  {invoice.txDigest}
                </dd>
              </>
            ) : null}
            {invoice.failureReason && invoice.status !== "paid" ? (
              <>
                <dt className="text-muted">Reason</dt>
                <dd>{invoice.failureReason.replaceAll("_", " ")}</dd>
              </>
            ) : null}
          </dl>
          <Table>
            <TableHeader>
              <tr>
                <TableHead>Description</TableHead>
                <TableHead align="right">Quantity</TableHead>
                <TableHead align="right">Unit price</TableHead>
                <TableHead align="right">Amount</TableHead>
              </tr>
            </TableHeader>
            <TableBody>
              {lines.map((item) => (
                <TableRow key={item.id}>
                  <TableCell>{item.description}</TableCell>
                  <TableCell align="right">{item.quantity.toLocaleString("en-US")}</TableCell>
                  <TableCell align="right">
                    {formatCents(item.unitPriceCents)}
                    {item.itemType === "usage" ? ` / ${USAGE_PRICE.perRequests.toLocaleString("en-US")}` : ""}
                  </TableCell>
                  <TableCell align="right">{formatCents(item.amountCents)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
            <TableFooter>
              <TableRow>
                <TableHead scope="row" colSpan={3} align="right">
                  Total
                </TableHead>
                <TableCell align="right">{formatCents(invoice.amountCents)}</TableCell>
              </TableRow>
            </TableFooter>
          </Table>
        </CardContent>
      </Card>
    </div>
  );
}
