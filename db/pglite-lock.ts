// PGlite is single-process: two processes on one data directory silently lose rows. Whoever
// opens the embedded database holds a pid lock file; anyone else is refused with a clear message.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

function lockPath(dataDir: string): string {
  return path.join(path.resolve(dataDir), "pglite.lock");
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function holder(dataDir: string): number | undefined {
  const file = lockPath(dataDir);
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, "utf8"), 10);
  return Number.isInteger(pid) && pid !== process.pid && processAlive(pid) ? pid : undefined;
}

export class EmbeddedDatabaseBusyError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `The embedded database in ${path.resolve(dataDir)} is in use by process ${pid}. ` +
        "PGlite allows one process per data directory: stop that process first, or use DATABASE_URL.",
    );
    this.name = "EmbeddedDatabaseBusyError";
  }
}

export function assertEmbeddedDatabaseFree(dataDir: string): void {
  const pid = holder(dataDir);
  if (pid !== undefined) throw new EmbeddedDatabaseBusyError(dataDir, pid);
}

/** Take the lock for this process; returns the release function. */
export function lockEmbeddedDatabase(dataDir: string): () => void {
  assertEmbeddedDatabaseFree(dataDir);
  mkdirSync(path.resolve(dataDir), { recursive: true });
  const file = lockPath(dataDir);
  writeFileSync(file, String(process.pid));
  return () => {
    try {
      if (readFileSync(file, "utf8") === String(process.pid)) rmSync(file);
    } catch {
      // Already gone.
    }
  };
}
