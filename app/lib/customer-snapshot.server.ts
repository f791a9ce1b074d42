// The signed-in customer's snapshot (app/domain/customer-snapshot.ts), read at most once per
// request: the root loader (header, sidebar, banners) and the page's loaders run in parallel and
// share the one reading.
//
// The memo belongs to the request object loaders receive, not just to the router context: after an
// action, React Router runs the loaders with a new Request in the same context, so what an action
// changed is always read fresh. Only loaders should use it; actions read what they change directly.
//
// For page requests the session middleware reads the snapshot in the same statement as the session
// check and primes the memo with it (`primeCustomerSnapshot`): for a GET the loaders receive the
// very request object the middleware saw, so they use that reading; after an action they do not.
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

/** Remember a snapshot read before the loaders run (by the session check) for this request. */
export function primeCustomerSnapshot(
  { request, context }: { request: Request; context: Readonly<RouterContextProvider> },
  snapshot: CustomerSnapshot,
): void {
  (context as RouterContextProvider).set(snapshotContext, {
    request,
    customerId: snapshot.customerId,
    snapshot: Promise.resolve(snapshot),
  });
}

/**
 * Will this request's loaders read the snapshot? The root loader does for every signed-in page, so:
 * a GET or HEAD for a page (the browser asks for HTML) or for loader data that includes the root
 * route's. Resource routes and fetches of other routes' data only need the session check. A wrong
 * guess costs one statement more or a snapshot unread, never a wrong answer.
 */
export function requestReadsSnapshot(request: Request): boolean {
  if (request.method !== "GET" && request.method !== "HEAD") return false;
  const url = new URL(request.url);
  if (url.pathname.endsWith(".data")) {
    const routes = url.searchParams.get("_routes");
    return routes === null || routes.split(",").includes("root");
  }
  return (request.headers.get("accept") ?? "").includes("text/html");
}
