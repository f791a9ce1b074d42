// PM2 process file for the web app (spec §8): cluster mode, zero-downtime `pm2 reload`.
//
//   PM2_HOME=/var/lib/suiftly/pm2 node_modules/.bin/node node_modules/pm2/bin/pm2 startOrReload ecosystem.config.cjs --update-env
//
// Run PM2 with this repository's Node (node_modules/.bin/node, Node 24): in cluster mode the
// workers run on the PM2 daemon's Node. deploy.py does exactly that.
//
// A reload starts new workers one at a time and waits for each to call process.send("ready")
// (server.js does once it listens) before sending SIGINT to an old one, which stops accepting,
// answers its in-flight requests with `Connection: close` and exits (at most 30 s, see
// server.js). kill_timeout is longer, so PM2 never cuts a drain short.
//
// Settings (environment of the `pm2` command, or the env file):
//   SUIFTLY_INSTANCES   workers (default 2; "max" = one per CPU)
//   SUIFTLY_ENV_FILE    KEY=VALUE file with the app's settings (default /etc/suiftly/suiftly.env;
//                       DATABASE_URL, SESSION_SECRET, APP_ENV, SUI_NETWORK, PORT, …)
//   SUIFTLY_LOG_DIR     where PM2 writes the app's output (default: PM2's own logs directory)
//   SUIFTLY_LISTEN_TIMEOUT_MS  (env file) how long a reload waits for a new worker (default 20 s)
//   SUIFTLY_APP_DIR     the directory to run (default: this file's); deploy.py: <root>/current
//   SUIFTLY_RELEASE, PORT, HOST  passed through to the app (deploy.py sets the release and port)
// The app logs JSON lines (pino) to stdout; PM2 stores them unchanged, one file for all workers.
const path = require("node:path");
const { readEnvFile } = require("./scripts/env-file.cjs");

function pick(source, names) {
  return Object.fromEntries(names.filter((name) => source[name]).map((name) => [name, source[name]]));
}

// The app directory as PM2 should remember it: deploy.py passes <root>/current (a symlink), so
// every reload starts whatever release `current` points at. PM2 keeps the script path of the
// first start; a path inside one release would pin the app to that release forever.
const appDir = process.env.SUIFTLY_APP_DIR || __dirname;
const envFile = process.env.SUIFTLY_ENV_FILE || "/etc/suiftly/suiftly.env";
const settings = readEnvFile(envFile);
const instancesSetting = process.env.SUIFTLY_INSTANCES || "2";
// How long a reload waits for a new worker's "ready" before going on (a worker that never gets
// ready is caught by deploy.py's smoke start and health check; tests shorten this).
const listenTimeout = Number.parseInt(settings.SUIFTLY_LISTEN_TIMEOUT_MS ?? "", 10) || 20_000;
const logDir = process.env.SUIFTLY_LOG_DIR;

module.exports = {
  apps: [
    {
      name: "suiftly",
      cwd: appDir,
      script: path.join(appDir, "server.js"),
      exec_mode: "cluster",
      instances: instancesSetting === "max" ? "max" : Number.parseInt(instancesSetting, 10) || 2,
      wait_ready: true,
      listen_timeout: listenTimeout,
      kill_timeout: 35_000,
      // Crash loops back off instead of spinning.
      exp_backoff_restart_delay: 200,
      max_memory_restart: "1G",
      merge_logs: true,
      ...(logDir
        ? { out_file: path.join(logDir, "suiftly.out.log"), error_file: path.join(logDir, "suiftly.err.log") }
        : {}),
      // Evaluated by the `pm2` command: the release and port it is given win over the file.
      env: {
        ...settings,
        ...pick(process.env, ["PORT", "HOST", "SUIFTLY_RELEASE"]),
        NODE_ENV: "production",
      },
    },
  ],
};
