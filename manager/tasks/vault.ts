// Vault (spec §7.6): build the vault from the database; write a new version only when the content
// hash changes; write atomically (temp file, fsync, rename, fsync the directory); render the
// HAProxy map beside it; record the version in `vault_versions`.
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { desc } from "drizzle-orm";
import {
  buildVaultCustomers,
  encryptVault,
  renderApiKeysMap,
  vaultContent,
  vaultDocument,
  vaultFileName,
} from "#app/domain/vault.ts";
import { vaultVersions } from "#db/schema/index.ts";
import type { ManagerTask } from "../cycle.ts";

/** Vault versions kept on disk (the database keeps every version's record). */
export const VAULT_FILES_KEPT = 20;

export async function writeFileAtomic(filePath: string, content: string): Promise<void> {
  const directory = path.dirname(filePath);
  const temporary = path.join(directory, `.${path.basename(filePath)}.${process.pid}.tmp`);
  const handle = await open(temporary, "w", 0o640);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, filePath);
  const dir = await open(directory, "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

async function exists(filePath: string): Promise<boolean> {
  try {
    await stat(filePath);
    return true;
  } catch {
    return false;
  }
}

export const vaultTask: ManagerTask = {
  name: "vault",
  async run({ db, env, clock }) {
    await mkdir(env.vaultDir, { recursive: true });
    const customers = await buildVaultCustomers(db);
    const [last] = await db.select().from(vaultVersions).orderBy(desc(vaultVersions.seq)).limit(1);
    const content = vaultContent(customers);
    const encryption = env.vaultKey ? "aes-256-gcm" : "none";
    const unchanged =
      last !== undefined && last.contentHash === content.contentHash && last.encrypted === encryption;
    if (last && unchanged && (await exists(path.join(env.vaultDir, last.fileName)))) {
      return { written: false, seq: last.seq, contentHash: last.contentHash, customers: customers.length };
    }
    // Unchanged content whose file went missing is rewritten under the same version; turning
    // encryption on or off writes a new version of the same content.
    const seq = last && unchanged ? last.seq : (last?.seq ?? 0) + 1;
    const document = vaultDocument(content, seq);
    const fileName = vaultFileName(seq);
    const body = env.vaultKey ? encryptVault(document.json, env.vaultKey) : document.json;
    await writeFileAtomic(path.join(env.vaultDir, fileName), body);
    await writeFileAtomic(path.join(env.vaultDir, "api_keys.map"), renderApiKeysMap(customers));
    await db
      .insert(vaultVersions)
      .values({
        seq,
        contentHash: document.contentHash,
        fileName,
        customerCount: customers.length,
        bytes: Buffer.byteLength(body),
        encrypted: encryption,
        createdAt: clock.now(),
      })
      .onConflictDoNothing();
    // Old versions are superseded: keep the most recent files only.
    const files = (await readdir(env.vaultDir)).filter((name) => /^ma-\d{9}\.json$/.test(name)).sort();
    for (const old of files.slice(0, Math.max(0, files.length - VAULT_FILES_KEPT))) {
      await rm(path.join(env.vaultDir, old), { force: true });
    }
    return {
      written: true,
      seq,
      contentHash: document.contentHash,
      customers: customers.length,
      bytes: Buffer.byteLength(body),
    };
  },
};
