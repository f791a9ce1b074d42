import { describe, expect, it } from "vitest";
import { DEV_SESSION_SECRET, EnvError, parseEnv } from "./env.server.ts";

const STRONG_SECRET = "a-very-long-production-session-secret-0123456789";

function problemsOf(source: Record<string, string>): string[] {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  throw new Error("expected parseEnv to refuse");
}

describe("parseEnv", () => {
  it("needs nothing in development: embedded database, mock chain, port 3000", () => {
    const env = parseEnv({});
    expect(env.appEnv).toBe("development");
    expect(env.databaseUrl).toBeUndefined();
    expect(env.port).toBe(3000);
    expect(env.suiNetwork).toBe("mock");
    expect(env.sessionSecret).toBe(DEV_SESSION_SECRET);
    expect(env.dataDir).toMatch(/\/data$/);
    expect(env.vaultDir).toBe(`${env.dataDir}/vault`);
    expect(env.managerInProcess).toBe(true);
    expect(env.appOrigin).toBe("http://localhost:3000");
  });

  it("runs the manager separately when PostgreSQL is configured", () => {
    const env = parseEnv({ DATABASE_URL: "postgres://u@db:5432/suiftly" });
    expect(env.databaseUrl).toBe("postgres://u@db:5432/suiftly");
    expect(env.managerInProcess).toBe(false);
    expect(parseEnv({ DATABASE_URL: "postgres://u@db/x", MANAGER_IN_PROCESS: "true" }).managerInProcess).toBe(
      true,
    );
  });

  it("treats an empty DATABASE_URL as unset", () => {
    expect(parseEnv({ DATABASE_URL: "  " }).databaseUrl).toBeUndefined();
  });

  it("refuses malformed values with the variable named", () => {
    expect(problemsOf({ PORT: "eighty" }).join()).toMatch(/PORT/);
    expect(problemsOf({ PORT: "70000" }).join()).toMatch(/PORT/);
    expect(problemsOf({ DATABASE_URL: "mysql://x" }).join()).toMatch(/DATABASE_URL/);
    expect(problemsOf({ VAULT_KEY: "abc" }).join()).toMatch(/VAULT_KEY/);
    expect(problemsOf({ SUI_NETWORK: "devnet" }).join()).toMatch(/SUI_NETWORK/);
    expect(problemsOf({ APP_ENV: "staging" }).join()).toMatch(/APP_ENV/);
  });

  it("production refuses a missing, default or short session secret", () => {
    const base = { APP_ENV: "production", SUI_NETWORK: "testnet" };
    expect(problemsOf(base).join()).toMatch(/SESSION_SECRET: required/);
    expect(problemsOf({ ...base, SESSION_SECRET: DEV_SESSION_SECRET }).join()).toMatch(/development default/);
    expect(problemsOf({ ...base, SESSION_SECRET: "short" }).join()).toMatch(/at least 32/);
    expect(parseEnv({ ...base, SESSION_SECRET: STRONG_SECRET }).isProduction).toBe(true);
  });

  it("production refuses the mock chain unless explicitly allowed, and needs a network", () => {
    const base = { APP_ENV: "production", SESSION_SECRET: STRONG_SECRET };
    expect(problemsOf(base).join()).toMatch(/SUI_NETWORK: required/);
    expect(problemsOf({ ...base, SUI_NETWORK: "mock" }).join()).toMatch(/mock chain is refused/);
    expect(parseEnv({ ...base, SUI_NETWORK: "mock", ALLOW_MOCK_CHAIN: "true" }).suiNetwork).toBe("mock");
  });

  it("normalizes the vault key and the public origin", () => {
    const env = parseEnv({ VAULT_KEY: "AB".repeat(32), APP_ORIGIN: "https://app.suiftly.io/" });
    expect(env.vaultKey).toBe("ab".repeat(32));
    expect(env.appOrigin).toBe("https://app.suiftly.io");
  });
});
