// All settings come from environment variables, validated once at start (spec §9).
// `APP_ENV` is the policy switch (production refuses unsafe settings); `NODE_ENV` only
// selects optimized builds, so `npm start` can run the production build in development policy.
import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

export const DEV_SESSION_SECRET = "dev-only-session-secret-change-me-in-production-0000";

const booleanFlag = z
  .enum(["true", "false", "1", "0", "yes", "no", ""])
  .optional()
  .transform((value) => value === "true" || value === "1" || value === "yes");

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value.trim()));

const rawEnvSchema = z.object({
  APP_ENV: z.enum(["development", "test", "production"]).default("development"),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
      .optional(),
  ),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  DATA_DIR: z.string().min(1).default("./data"),
  HOST: z.string().min(1).default("0.0.0.0"),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  /** Public origin of the dashboard (scheme://host[:port]); defaults to http://localhost:PORT. */
  APP_ORIGIN: optionalString.pipe(z.url().optional()),
  SESSION_SECRET: optionalString,
  SUI_NETWORK: z.enum(["mock", "testnet", "mainnet"]).optional(),
  /** Production refuses the mock chain unless this is set (demo deployments). */
  ALLOW_MOCK_CHAIN: booleanFlag,
  VAULT_DIR: optionalString,
  VAULT_KEY: optionalString.pipe(
    z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex characters (a 256-bit AES key)")
      .optional(),
  ),
  MANAGER_CRON: z.string().min(1).default("*/5 * * * *"),
  /** Run the manager schedule inside the web server; default: only in embedded (PGlite) mode. */
  MANAGER_IN_PROCESS: z.enum(["auto", "true", "false"]).default("auto"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** The deployed release (set by scripts/deploy.py); reported by /health so deploys can verify it. */
  SUIFTLY_RELEASE: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, "letters, digits, dot, dash or underscore (at most 64)")
    .optional(),
  /**
   * Memory (MiB, per web process) for rendered pages kept to answer the same page with the same
   * data without rendering it again (app/lib/page-cache.server.ts); 0 turns the cache off.
   */
  PAGE_CACHE_MB: z.coerce.number().int().min(0).max(4096).default(32),
  /** Number of proxies (HAProxy) in front of the app whose X-Forwarded-For is trusted. */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(5).default(0),
  /** Session lifetimes (spec §6: 15 minutes and 7 days); shorter values are for tests. */
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  REFRESH_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(90 * 86_400)
    .default(7 * 86_400),
  /**
   * A refresh token presented again within this many seconds of its rotation is accepted for
   * that request without rotating (parallel requests of one page); later reuse revokes the family.
   */
  REFRESH_REUSE_GRACE_SECONDS: z.coerce.number().int().min(0).max(60).default(10),
  /** HAProxy log files the manager tails each cycle (comma-separated paths). */
  INGEST_FILES: optionalString,
  /** UDP port of the manager's syslog receiver for HAProxy logs; unset = no receiver. */
  INGEST_SYSLOG_PORT: optionalString.pipe(
    z
      .string()
      .regex(/^\d{1,5}$/, "must be a port number")
      .transform(Number)
      .pipe(z.number().int().min(0).max(65_535))
      .optional(),
  ),
  INGEST_SYSLOG_HOST: z.string().min(1).default("127.0.0.1"),
  /** Requests per minute per client IP on /auth/* (spec §6). */
  AUTH_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(30),
});

export type Env = {
  appEnv: "development" | "test" | "production";
  isProduction: boolean;
  databaseUrl: string | undefined;
  databasePoolMax: number;
  dataDir: string;
  host: string;
  port: number;
  appOrigin: string;
  sessionSecret: string;
  suiNetwork: "mock" | "testnet" | "mainnet";
  vaultDir: string;
  vaultKey: string | undefined;
  managerCron: string;
  managerInProcess: boolean;
  logLevel: z.infer<typeof rawEnvSchema>["LOG_LEVEL"];
  release: string | null;
  pageCacheBytes: number;
  trustProxyHops: number;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  refreshReuseGraceSeconds: number;
  authRateLimitPerMinute: number;
  ingestFiles: string[];
  ingestSyslogPort: number | undefined;
  ingestSyslogHost: string;
};

export class EnvError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
    this.problems = problems;
  }
}

/** Validate a set of variables (process.env by default) into typed settings, or throw EnvError. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const parsed = rawEnvSchema.safeParse(source);
  if (!parsed.success) {
    throw new EnvError(
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "env"}: ${issue.message}`),
    );
  }
  const raw = parsed.data;
  const isProduction = raw.APP_ENV === "production";
  const problems: string[] = [];

  let sessionSecret = raw.SESSION_SECRET;
  if (isProduction) {
    if (!sessionSecret) problems.push("SESSION_SECRET: required in production");
    else if (sessionSecret === DEV_SESSION_SECRET)
      problems.push("SESSION_SECRET: the development default is not allowed in production");
    else if (sessionSecret.length < 32)
      problems.push("SESSION_SECRET: must be at least 32 characters in production");
  }
  sessionSecret ??= DEV_SESSION_SECRET;

  const suiNetwork = raw.SUI_NETWORK ?? (isProduction ? undefined : "mock");
  if (!suiNetwork) {
    problems.push("SUI_NETWORK: required in production (testnet or mainnet)");
  } else if (suiNetwork === "mock" && isProduction && !raw.ALLOW_MOCK_CHAIN) {
    problems.push(
      "SUI_NETWORK: the mock chain is refused in production; set ALLOW_MOCK_CHAIN=true for a demo deployment",
    );
  }

  if (problems.length > 0) throw new EnvError(problems);

  const dataDir = path.resolve(raw.DATA_DIR);
  const managerInProcess =
    raw.MANAGER_IN_PROCESS === "auto" ? !raw.DATABASE_URL : raw.MANAGER_IN_PROCESS === "true";

  return {
    appEnv: raw.APP_ENV,
    isProduction,
    databaseUrl: raw.DATABASE_URL,
    databasePoolMax: raw.DATABASE_POOL_MAX,
    dataDir,
    host: raw.HOST,
    port: raw.PORT,
    appOrigin: (raw.APP_ORIGIN ?? `http://localhost:${raw.PORT}`).replace(/\/+$/, ""),
    sessionSecret,
    suiNetwork: suiNetwork ?? "mock",
    vaultDir: path.resolve(raw.VAULT_DIR ?? path.join(dataDir, "vault")),
    vaultKey: raw.VAULT_KEY?.toLowerCase(),
    managerCron: raw.MANAGER_CRON,
    managerInProcess,
    logLevel: raw.LOG_LEVEL,
    release: raw.SUIFTLY_RELEASE ?? null,
    pageCacheBytes: raw.PAGE_CACHE_MB * 1024 * 1024,
    trustProxyHops: raw.TRUST_PROXY_HOPS,
    accessTokenTtlSeconds: raw.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: raw.REFRESH_TOKEN_TTL_SECONDS,
    refreshReuseGraceSeconds: raw.REFRESH_REUSE_GRACE_SECONDS,
    authRateLimitPerMinute: raw.AUTH_RATE_LIMIT_PER_MINUTE,
    ingestFiles: (raw.INGEST_FILES ?? "")
      .split(",")
      .map((file) => file.trim())
      .filter(Boolean)
      .map((file) => path.resolve(file)),
    ingestSyslogPort: raw.INGEST_SYSLOG_PORT,
    ingestSyslogHost: raw.INGEST_SYSLOG_HOST,
  };
}

/**
 * Read `.env` from the working directory (development convenience, spec §9) without
 * overriding variables already set, then validate.
 */
export function loadEnv(): Env {
  if (process.env.APP_ENV !== "production" && existsSync(".env")) {
    process.loadEnvFile(".env");
  }
  return parseEnv(process.env);
}
