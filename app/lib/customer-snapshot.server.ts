// The signed-in customer's snapshot (app/domain/customer-snapshot.ts), read at most once per
// request: the root loader (header, sidebar, banners) and the page's loaders run in parallel and
// share the one reading.
//
// The memo belongs to the request object loaders receive, not just to the router context: after an
// action, React Router runs the loaders with a new Request in the same context, so what an action
// changed is always read fresh. Only loaders should use it; actions read what they change directly.
import { createContext, type RouterContextProvider } from "react-router";
import { type CustomerSnapshot, loadCustomerSnapshot } from "#app/domain/customer-snapshot.ts";
import { getServices } from "./services.server.ts";
import type { Viewer } from "./session.server.ts";

interface Memo {
  request: Request;
  customerId: number;
  snapshot: Promise<CustomerSnapshot>;
}

const snapshotContext = createContext<Memo | null>(null);

export function customerSnapshot(
  { request, context }: { request: Request; context: Readonly<RouterContextProvider> },
  viewer: Pick<Viewer, "customerId">,
): Promise<CustomerSnapshot> {
  const memo = context.get(snapshotContext);
  if (memo && memo.request === request && memo.customerId === viewer.customerId) return memo.snapshot;
  const snapshot = loadCustomerSnapshot(getServices(context).db, viewer.customerId);
  (context as RouterContextProvider).set(snapshotContext, {
    request,
    customerId: viewer.customerId,
    snapshot,
  });
  return snapshot;
}
