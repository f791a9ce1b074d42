// The domain's dependencies over a test database: real PostgreSQL, the mock chain (the only thing
// outside this repo), and the test's clock. ServiceDeps is a superset of BillingDeps, so billing
// tests use the same helper.
import type { Clock } from "#app/domain/clock.ts";
import { MockSuiGateway } from "#app/domain/mock-sui-gateway.ts";
import type { ServiceDeps } from "#app/domain/service-operations.ts";
import type { DatabaseHandle } from "#db/client.ts";

export function serviceDeps(handle: DatabaseHandle, clock: Clock): ServiceDeps {
  return { db: handle.db, database: handle, clock, gateway: new MockSuiGateway(handle.db, clock) };
}
