// The production server as PM2 runs it in cluster mode (ecosystem.config.cjs: exec_mode "cluster",
// 2 instances): a node:cluster primary that forks BENCH_WORKERS copies of server.js sharing one
// listening port (connections handed out round-robin, as under PM2), for the HTTP benchmarks.
// The primary logs one line when every worker is ready (server.js sends "ready" once it listens),
// passes SIGTERM/SIGINT on to the workers (each drains and exits) and exits when they have.
//
//   BENCH_WORKERS=2 node bench/cluster-server.ts     (cwd: the checkout whose build/ runs)
import cluster from "node:cluster";
import path from "node:path";

const workers = Number(process.env.BENCH_WORKERS ?? "2");
if (!Number.isInteger(workers) || workers < 1) throw new Error(`BENCH_WORKERS must be ≥ 1: ${workers}`);

cluster.setupPrimary({ exec: path.resolve("server.js") });
let ready = 0;
let stopping = false;
for (let i = 0; i < workers; i++) {
  const worker = cluster.fork();
  worker.on("message", (message: unknown) => {
    if (message !== "ready") return;
    ready++;
    if (ready === workers) console.log(JSON.stringify({ msg: "cluster ready", workers, pid: process.pid }));
  });
}
cluster.on("exit", (worker, code, signal) => {
  if (!stopping) {
    // A worker died under load: the measurement is void; stop everything.
    console.error(JSON.stringify({ msg: "worker exited", pid: worker.process.pid, code, signal }));
    stopping = true;
    for (const other of Object.values(cluster.workers ?? {})) other?.process.kill("SIGTERM");
    process.exitCode = 1;
  }
  if (Object.keys(cluster.workers ?? {}).length === 0) process.exit();
});
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  });
}
