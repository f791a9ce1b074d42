// Per-customer limits on key operations and fee-changing updates (spec §6), shared across app
// instances through PostgreSQL.
import { consumeRateLimit, type RateLimitRule } from "./rate-limit.server.ts";
import type { AppServices } from "./services.server.ts";

export const CUSTOMER_LIMITS = {
  apiKeyCreate: {
    name: "api-key-create",
    points: 5,
    durationSeconds: 3_600,
    message: "You can create at most 5 API keys an hour. Try again later.",
  },
  sealKeyCreate: {
    name: "seal-key-create",
    points: 3,
    durationSeconds: 3_600,
    message: "You can create at most 3 Seal keys an hour. Try again later.",
  },
  packageAdd: {
    name: "package-add",
    points: 10,
    durationSeconds: 3_600,
    message: "You can add at most 10 packages an hour. Try again later.",
  },
  feeChange: {
    name: "fee-change",
    points: 10,
    durationSeconds: 3_600,
    message: "You can change plans at most 10 times an hour. Try again later.",
  },
} as const satisfies Record<string, RateLimitRule>;

export function limitCustomer(services: AppServices, rule: RateLimitRule, customerId: number): Promise<void> {
  return consumeRateLimit(services, rule, `customer:${customerId}`);
}
