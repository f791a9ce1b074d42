// Vitest runs without the React Router plugin (spec: its own config). Unit tests are pure;
// integration tests use a real PostgreSQL (a database per file, cloned from a template).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Integration files mostly wait on PostgreSQL, child processes and timers: run more files at
    // once than this 2-core machine's default of one worker.
    maxWorkers: 4,
    projects: [
      {
        test: {
          name: "unit",
          include: ["{app,db,manager,server}/**/*.test.ts"],
          exclude: ["**/*.integration.test.ts", "node_modules/**"],
          environment: "node",
        },
      },
      {
        test: {
          name: "integration",
          include: ["{app,db,manager,server}/**/*.integration.test.ts", "tests/integration/**/*.test.ts"],
          environment: "node",
          globalSetup: ["./tests/support/global-setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
