// Build the app when build/ is missing or older than any source it is made from.
// Used by `npm start` and by the integration tests' global setup.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

export const projectRoot = path.resolve(import.meta.dirname, "..");

const SOURCES = [
  "app",
  "server",
  "db",
  "manager",
  "public",
  "vite.config.ts",
  "react-router.config.ts",
  "package.json",
  "package-lock.json",
];

function newestMtime(target) {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

/** @returns {boolean} whether a build ran */
export function buildIfStale({ quiet = false } = {}) {
  const entry = path.join(projectRoot, "build", "server", "index.js");
  const builtAt = existsSync(entry) ? statSync(entry).mtimeMs : 0;
  const sourcesAt = Math.max(...SOURCES.map((source) => newestMtime(path.join(projectRoot, source))));
  if (builtAt >= sourcesAt) return false;
  if (!quiet) console.log(builtAt ? "suiftly: sources changed, rebuilding…" : "suiftly: building the app…");
  const result = spawnSync(path.join(projectRoot, "node_modules", ".bin", "react-router"), ["build"], {
    cwd: projectRoot,
    stdio: quiet ? "pipe" : "inherit",
    env: { ...process.env, NODE_ENV: "production" },
  });
  if (result.status !== 0) {
    if (quiet) process.stderr.write(result.stderr ?? "");
    throw new Error("react-router build failed");
  }
  return true;
}
