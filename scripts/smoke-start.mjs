// Start a release once on the side before it takes traffic: `node server.js` from the release's
// directory with the host's settings, on a free loopback port, until /health answers 200 with this
// release; then stop it (SIGTERM, the normal drain). deploy.py runs this on every API host before
// switching `current`, so a release that cannot start never replaces a running one.
//
//   node scripts/smoke-start.mjs --release-dir DIR --settings FILE --release ID [--timeout-ms 30000]
//
// (--settings, not --env-file: Node itself acts on --env-file even after the script name.)
// Exit status: 0 it started and answered; 1 it did not (its last output is printed); 2 bad usage.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { parseArgs } from "node:util";

const require = createRequire(import.meta.url);
const { readEnvFile } = require("./env-file.cjs");

function usage(message) {
  console.error(`smoke-start: ${message}`);
  console.error("usage: smoke-start.mjs --release-dir DIR --settings FILE --release ID [--timeout-ms N]");
  process.exit(2);
}

let options;
try {
  ({ values: options } = parseArgs({
    options: {
      "release-dir": { type: "string" },
      settings: { type: "string" },
      release: { type: "string" },
      "timeout-ms": { type: "string", default: "30000" },
    },
  }));
} catch (error) {
  usage(error.message);
}
const releaseDir = options["release-dir"];
const release = options.release;
const timeoutMs = Number.parseInt(options["timeout-ms"], 10);
if (!releaseDir || !existsSync(path.join(releaseDir, "server.js")))
  usage("--release-dir must hold server.js");
if (!options.settings) usage("--settings (the env file) is required");
if (!release || !/^[A-Za-z0-9._-]{1,64}$/.test(release))
  usage("--release: letters, digits, dot, dash or underscore");
if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1000) usage("--timeout-ms: at least 1000");

const started = performance.now();
const child = spawn(process.execPath, ["server.js"], {
  cwd: releaseDir,
  env: {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    ...readEnvFile(options.settings),
    NODE_ENV: "production",
    PORT: "0",
    HOST: "127.0.0.1",
    SUIFTLY_RELEASE: release,
    // The running manager does its own work; the listening line (info) carries the port.
    MANAGER_IN_PROCESS: "false",
    LOG_LEVEL: "info",
  },
  stdio: ["ignore", "pipe", "pipe"],
});

const output = [];
let port = null;
let exited = null;
function remember(chunk) {
  for (const line of chunk.toString().split("\n")) {
    if (!line.trim()) continue;
    output.push(line);
    if (output.length > 40) output.shift();
    try {
      const entry = JSON.parse(line);
      if (typeof entry.port === "number" && /listening/.test(entry.msg ?? "")) port = entry.port;
    } catch {
      // not a log line (a crash's stack trace): kept for the report
    }
  }
}
child.stdout.on("data", remember);
child.stderr.on("data", remember);
const exit = new Promise((resolve) => {
  child.once("exit", (code, signal) => {
    exited = { code, signal };
    resolve(exited);
  });
});

function fail(reason) {
  console.error(`release ${release} failed to start: ${reason}`);
  if (output.length) console.error(`its last output:\n${output.slice(-20).join("\n")}`);
}

async function healthy() {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(5000) });
    const body = await response.json().catch(() => null);
    return response.status === 200 && body?.release === release
      ? true
      : `/health answered ${response.status} ${JSON.stringify(body)}`;
  } catch (error) {
    return `/health did not answer (${error.cause?.code ?? error.name})`;
  }
}

let verdict = "no /health answer in time";
const deadline = started + timeoutMs;
while (performance.now() < deadline) {
  if (exited) {
    verdict = `it exited (${exited.signal ?? `code ${exited.code}`})`;
    break;
  }
  if (port !== null) {
    const answer = await healthy();
    if (answer === true) {
      verdict = true;
      break;
    }
    verdict = answer;
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
}

if (!exited) {
  child.kill("SIGTERM");
  const forced = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exit;
  clearTimeout(forced);
}
if (verdict === true) {
  console.log(
    `release ${release} started and answered /health in ${Math.round(performance.now() - started)} ms`,
  );
  process.exit(0);
}
fail(verdict);
process.exit(1);
