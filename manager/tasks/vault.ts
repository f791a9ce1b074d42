// Vault (spec §7.6): build the vault from the database; write a new version only when the content
// hash changes; write atomically (temp file, fsync, rename, fsync the directory); render the
// HAProxy maps beside it (app/domain/edge-maps.ts); record the version in `vault_versions`.
import { mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { desc } from "drizzle-orm";
import {
  EDGE_MAP_FILES,
  EDGE_MAPS_FORMAT,
  renderAllowlistMaps,
  renderApiKeysMap,
} from "#app/domain/edge-maps.ts";
import {
  buildVaultCustomers,
  encryptVault,
  type VaultCustomer,
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

async function readText(filePath: string): Promise<string | null> {
  try {
    return (await readFile(filePath, "utf8")).trim();
  } catch {
    return null;
  }
}

/** The HAProxy maps, then the marker saying which format they are in. */
async function writeEdgeMaps(vaultDir: string, customers: VaultCustomer[]): Promise<void> {
  const allowlist = renderAllowlistMaps(customers);
  await writeFileAtomic(path.join(vaultDir, EDGE_MAP_FILES.apiKeys), renderApiKeysMap(customers));
  await writeFileAtomic(path.join(vaultDir, EDGE_MAP_FILES.allowlistCidrs), allowlist.cidrs);
  await writeFileAtomic(path.join(vaultDir, EDGE_MAP_FILES.allowlistPairs), allowlist.pairs);
  await writeFileAtomic(path.join(vaultDir, EDGE_MAP_FILES.format), `${EDGE_MAPS_FORMAT}\n`);
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
      // Same content: the maps only need writing if they are missing or in an older format.
      const mapsCurrent =
        (await readText(path.join(env.vaultDir, EDGE_MAP_FILES.format))) === EDGE_MAPS_FORMAT;
      if (!mapsCurrent) await writeEdgeMaps(env.vaultDir, customers);
      return {
        written: false,
        seq: last.seq,
        contentHash: last.contentHash,
        customers: customers.length,
        ...(mapsCurrent ? {} : { mapsRewritten: true }),
      };
    }
    // Unchanged content whose file went missing is rewritten under the same version; turning
    // encryption on or off writes a new version of the same content.
    const seq = last && unchanged ? last.seq : (last?.seq ?? 0) + 1;
    const document = vaultDocument(content, seq);
    const fileName = vaultFileName(seq);
    const body = env.vaultKey ? encryptVault(document.json, env.vaultKey) : document.json;
    // The maps first, the vault file last: whoever sees a new version finds its maps in place.
    await writeEdgeMaps(env.vaultDir, customers);
    await writeFileAtomic(path.join(env.vaultDir, fileName), body);
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
