// Rate limits shared by every app instance (spec §6): counters live in PostgreSQL
// (rate-limiter-flexible's Drizzle store), so two servers behind HAProxy count together.
// A refused request gets 429 with Retry-After and changes nothing.
import { RateLimiterDrizzle, RateLimiterRes } from "rate-limiter-flexible";
import { rateLimitBuckets } from "#db/schema/index.ts";
import { HttpError } from "./http-errors.server.ts";
import type { AppServices } from "./services.server.ts";

export interface RateLimitRule {
  /** Namespace of the counter, e.g. `auth-ip` or `api-key-create`. */
  name: string;
  points: number;
  durationSeconds: number;
  /** Shown to the user when the limit is hit. */
  message: string;
}

export function authRateLimit(services: Pick<AppServices, "env">): RateLimitRule {
  return {
    name: "auth-ip",
    points: services.env.authRateLimitPerMinute,
    durationSeconds: 60,
    message: "Too many sign-in attempts from your network. Wait a minute and try again.",
  };
}

const limiters = new WeakMap<object, Map<string, RateLimiterDrizzle>>();

function limiterFor(services: AppServices, rule: RateLimitRule): RateLimiterDrizzle {
  let byRule = limiters.get(services.db);
  if (!byRule) {
    byRule = new Map();
    limiters.set(services.db, byRule);
  }
  const id = `${rule.name}:${rule.points}:${rule.durationSeconds}`;
  let limiter = byRule.get(id);
  if (!limiter) {
    limiter = new RateLimiterDrizzle({
      storeClient: services.db,
      schema: rateLimitBuckets,
      keyPrefix: rule.name,
      points: rule.points,
      duration: rule.durationSeconds,
      // Expired counters are purged by the manager's cleanup task, not by a timer per process.
      clearExpiredByTimeout: false,
    });
    byRule.set(id, limiter);
  }
  return limiter;
}

/** Count one request against `key` (an IP, a customer id…); throws a 429 HttpError when over. */
export async function consumeRateLimit(
  services: AppServices,
  rule: RateLimitRule,
  key: string,
): Promise<void> {
  try {
    await limiterFor(services, rule).consume(key);
  } catch (error) {
    if (error instanceof RateLimiterRes) {
      const retryAfter = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      throw new HttpError(429, "rate_limited", rule.message, {
        headers: { "Retry-After": String(retryAfter) },
      });
    }
    throw error;
  }
}
