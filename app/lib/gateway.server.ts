// Choose the chain implementation from the settings. Only the mock exists so far; a real
// network refuses to start rather than pretend (spec §2.7).
import type { Clock } from "#app/domain/clock.ts";
import { MockSuiGateway } from "#app/domain/mock-sui-gateway.ts";
import { type SuiGateway, UnsupportedNetworkError } from "#app/domain/sui-gateway.ts";
import type { Database } from "#db/client.ts";
import type { Env } from "./env.server.ts";

export function assertSupportedNetwork(env: Pick<Env, "suiNetwork">): void {
  if (env.suiNetwork !== "mock") throw new UnsupportedNetworkError(env.suiNetwork);
}

export function createSuiGateway(env: Pick<Env, "suiNetwork">, db: Database, clock: Clock): SuiGateway {
  assertSupportedNetwork(env);
  return new MockSuiGateway(db, clock);
}
