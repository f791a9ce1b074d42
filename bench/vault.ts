// bench:vault — the manager's vault task for 100,000 customers with 2 API keys each: build the
// vault from the database and write it (canonical JSON, fsync'd atomic rename, HAProxy map, a
// vault_versions row), then rerun with nothing changed, which must write nothing.
// Goal: build + write under 2 s (median of BENCH_ROUNDS=3 versions: the first vault, then one
// API key revoked before each); the unchanged rerun writes no file and keeps the same seq.
//
//   npm run bench:vault                  100,000 customers
//   BENCH_SCALE=0.1 npm run bench:vault  a quick smoke run

import { mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { monthKey } from "#app/domain/billing/calendar.ts";
import { fixedClock } from "#app/domain/clock.ts";
import { renderApiKeysMap } from "#app/domain/edge-maps.ts";
import { MockSuiGateway } from "#app/domain/mock-sui-gateway.ts";
import { buildVaultCustomers, encryptVault, vaultContent, vaultDocument } from "#app/domain/vault.ts";
import { parseEnv } from "#app/lib/env.server.ts";
import { createLogger } from "#app/lib/logger.server.ts";
import { queryRows } from "#db/client.ts";
import type { TaskContext } from "#manager/cycle.ts";
import { vaultTask, writeFileAtomic } from "#manager/tasks/vault.ts";
import { createCustomers, tableCounts } from "./fixtures.ts";
import {
  benchRounds,
  describeMachine,
  fmtInt,
  fmtMs,
  fmtSeconds,
  median,
  printTable,
  runBench,
  scaled,
  timed,
  verdict,
  withBenchDatabase,
} from "./support.ts";

const GOAL_MS = 2_000;
const CUSTOMERS = scaled(100_000, 100);
const ROUNDS = benchRounds(3);

async function listing(dir: string): Promise<string> {
  const names = (await readdir(dir)).sort();
  const entries: string[] = [];
  for (const name of names) {
    const info = await stat(path.join(dir, name));
    entries.push(`${name}:${info.size}:${info.mtimeMs}:${info.ino}`);
  }
  return entries.join("\n");
}

async function main(): Promise<number> {
  return withBenchDatabase("vault", async ({ handle }) => {
    console.log(`bench:vault — ${await describeMachine(handle)}`);
    const dir = await mkdtemp(path.join(tmpdir(), "suiftly-bench-vault-"));
    try {
      const clock = fixedClock(new Date());
      const env = parseEnv({ APP_ENV: "test", VAULT_DIR: path.join(dir, "vault"), LOG_LEVEL: "silent" });
      const setup = await timed(async () => {
        await createCustomers(handle.db, {
          count: CUSTOMERS,
          month: monthKey(clock.now()),
          createdAt: new Date(clock.now().getTime() - 86_400_000),
          keysSql: "2",
          sealKeys: true,
        });
        await handle.db.execute(sql`vacuum analyze`);
      });
      const counts = await tableCounts(handle.db, [
        "customers",
        "service_instances",
        "api_keys",
        "seal_keys",
        "seal_packages",
      ]);
      console.log(
        `data created in ${fmtSeconds(setup.ms)}: ${Object.entries(counts)
          .map(([table, n]) => `${table} ${fmtInt(n)}`)
          .join(", ")}`,
      );

      const context: TaskContext = {
        db: handle.db,
        database: handle,
        env,
        clock,
        gateway: new MockSuiGateway(handle.db, clock),
        logger: createLogger({ level: "silent" }),
        signal: new AbortController().signal,
      };
      // Build + write: the first vault, then (rounds 2…) after one API key was revoked each time,
      // so every round has new content to write.
      const writes: { ms: number; value: Record<string, unknown> }[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        if (round > 0) {
          await handle.db.execute(
            sql`update api_keys set revoked_at = ${clock.now()} where id = (select min(id) from api_keys where revoked_at is null)`,
          );
        }
        const write = await timed(async () => (await vaultTask.run(context)) ?? {});
        if (write.value.written !== true || write.value.seq !== round + 1) {
          throw new Error(
            `round ${round + 1} did not write version ${round + 1}: ${JSON.stringify(write.value)}`,
          );
        }
        writes.push(write);
        console.log(`build + write, version ${round + 1}: ${fmtMs(write.ms)}`);
      }
      const last = writes.at(-1)?.value ?? {};
      const filesBefore = await listing(env.vaultDir);
      const versionsBefore = await queryRows<{ n: number }>(
        handle.db,
        sql`select count(*)::int as n from vault_versions`,
      );

      const rerun = await timed(async () => (await vaultTask.run(context)) ?? {});
      const filesAfter = await listing(env.vaultDir);
      const versionsAfter = await queryRows<{ n: number }>(
        handle.db,
        sql`select count(*)::int as n from vault_versions`,
      );
      const wroteNothing =
        rerun.value.written === false &&
        rerun.value.seq === last.seq &&
        filesAfter === filesBefore &&
        versionsAfter[0]?.n === versionsBefore[0]?.n;
      console.log(`unchanged rerun: ${fmtMs(rerun.ms)}`);

      // The same content with VAULT_KEY set: a new, encrypted version (AES-256-GCM).
      const encrypted = await timed(
        async () => (await vaultTask.run({ ...context, env: { ...env, vaultKey: "ab".repeat(32) } })) ?? {},
      );
      if (encrypted.value.written !== true) throw new Error("turning VAULT_KEY on wrote nothing");
      console.log(`build + write with VAULT_KEY: ${fmtMs(encrypted.ms)}`);

      // Where the time goes: the task's steps timed one by one (same data, after the runs above).
      const build = await timed(() => buildVaultCustomers(handle.db));
      const document = await timed(async () => vaultDocument(vaultContent(build.value), 2));
      const map = await timed(async () => renderApiKeysMap(build.value));
      const scratch = path.join(dir, "scratch");
      await mkdir(scratch);
      const writeDoc = await timed(() =>
        writeFileAtomic(path.join(scratch, "ma-000000002.json"), document.value.json),
      );
      const writeMap = await timed(() => writeFileAtomic(path.join(scratch, "api_keys.map"), map.value));
      const encrypt = await timed(async () => encryptVault(document.value.json, "ab".repeat(32)));

      const writeMs = median(writes.map((write) => write.ms));
      const bytes = Number(last.bytes ?? 0);
      printTable(
        `bench:vault — ${fmtInt(CUSTOMERS)} customers, ${fmtInt(counts.api_keys ?? 0)} API keys, ${fmtInt(counts.seal_keys ?? 0)} Seal keys (${fmtInt(counts.seal_packages ?? 0)} packages)`,
        ["step", "time", "notes"],
        [
          [
            "vaultTask: build + write",
            writes.map((write) => fmtMs(write.ms)).join(", "),
            `versions 1–${writes.length} (first vault, then one key revoked before each), ${(bytes / 2 ** 20).toFixed(1)} MiB vault, ${fmtInt(Number(last.customers))} customers`,
          ],
          ["vaultTask: build + write, median", fmtMs(writeMs), ""],
          [
            "vaultTask: unchanged rerun",
            fmtMs(rerun.ms),
            `written ${rerun.value.written}, seq ${rerun.value.seq}, files unchanged: ${filesAfter === filesBefore ? "yes" : "NO"}, vault_versions rows ${versionsBefore[0]?.n} → ${versionsAfter[0]?.n}`,
          ],
          [
            "vaultTask: build + write with VAULT_KEY",
            fmtMs(encrypted.ms),
            `seq ${encrypted.value.seq}, encrypted (not part of the goal)`,
          ],
          ["  step: buildVaultCustomers (4 queries + assembly)", fmtMs(build.ms), "each step timed alone"],
          [
            "  step: canonical JSON + SHA-256 (vaultContent)",
            fmtMs(document.ms),
            "computed once per build (vaultContent)",
          ],
          ["  step: render api_keys.map", fmtMs(map.ms), `${fmtInt(map.value.length / 2 ** 10)} KiB`],
          ["  step: atomic write of the vault (fsync)", fmtMs(writeDoc.ms), ""],
          ["  step: atomic write of the map (fsync)", fmtMs(writeMap.ms), ""],
          ["  step: AES-256-GCM (VAULT_KEY only)", fmtMs(encrypt.ms), ""],
        ],
      );
      const pass = writeMs < GOAL_MS;
      printTable(
        "Result",
        ["benchmark", "goal", "measured", "result"],
        [
          ["vault build + write (median)", `< ${GOAL_MS / 1000} s`, fmtSeconds(writeMs), verdict(pass)],
          [
            "unchanged rerun writes nothing",
            "no file, same seq",
            wroteNothing ? `nothing written (${fmtSeconds(rerun.ms)})` : "WROTE",
            verdict(wroteNothing),
          ],
        ],
      );
      return pass && wroteNothing ? 0 : 1;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

runBench(main);
