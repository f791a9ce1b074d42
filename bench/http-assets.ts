// The client build's module graph (build/client/assets), read from the files themselves: which
// chunks every route loads statically (React Router's manifest: the entry and each route module
// with their imports), which load only through a dynamic import(), and of those which belong to
// the wallet UI (the lazily imported wallet sign-in / dApp Kit chunks).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export const CLIENT_ASSETS = path.resolve(import.meta.dirname, "..", "build", "client", "assets");

/** File names that mark a lazily imported chunk as wallet UI. */
const WALLET_NAME = /wallet|dapp-kit|connect/i;

export interface AssetGraph {
  files: string[];
  staticImports: Map<string, Set<string>>;
  dynamicImports: Map<string, Set<string>>;
  /** Chunks some route loads statically (entry, route modules, their static imports, the manifest). */
  routeStatic: Set<string>;
  /** Chunks reachable only through import(): why each is lazy. */
  lazy: Map<string, string>;
  /** The lazy chunks of the wallet UI, with the reason. */
  wallet: Map<string, string>;
}

function matches(text: string, pattern: RegExp): string[] {
  return [...text.matchAll(pattern)].map((match) => match[1] ?? "").filter(Boolean);
}

export function readAssetGraph(dir = CLIENT_ASSETS): AssetGraph {
  const files = readdirSync(dir).filter((file) => file.endsWith(".js"));
  const staticImports = new Map<string, Set<string>>();
  const dynamicImports = new Map<string, Set<string>>();
  let manifestFile: string | undefined;
  let manifest:
    | {
        entry: { module: string; imports?: string[] };
        routes: Record<string, { module: string; imports?: string[] }>;
      }
    | undefined;
  for (const file of files) {
    const text = readFileSync(path.join(dir, file), "utf8");
    staticImports.set(file, new Set(matches(text, /(?:\bfrom\s*|\bimport\s*)["'`]\.\/([\w.-]+\.js)["'`]/g)));
    dynamicImports.set(
      file,
      new Set([
        ...matches(text, /\bimport\(\s*["'`]\.\/([\w.-]+\.js)["'`]\s*\)/g),
        // Vite's preload lists of a dynamic import name their files as "assets/<file>".
        ...matches(text, /["'`]\/?assets\/([\w.-]+\.js)["'`]/g),
      ]),
    );
    const declared = /^window\.__reactRouterManifest\s*=\s*(\{[\s\S]*\})\s*;?\s*$/.exec(text.trim());
    if (declared?.[1]) {
      manifestFile = file;
      manifest = JSON.parse(declared[1]);
    }
  }
  if (!manifest || !manifestFile) throw new Error(`no React Router manifest in ${dir}`);
  const base = (url: string) => url.split("/").at(-1) ?? url;
  const roots = [manifest.entry.module, ...(manifest.entry.imports ?? [])];
  for (const route of Object.values(manifest.routes)) roots.push(route.module, ...(route.imports ?? []));
  const routeStatic = new Set<string>([manifestFile]);
  const stack = roots.map(base);
  while (stack.length > 0) {
    const file = stack.pop() as string;
    if (routeStatic.has(file)) continue;
    routeStatic.add(file);
    for (const next of staticImports.get(file) ?? []) stack.push(next);
  }
  // Lazy: reachable from a dynamic import, never from a route's static graph.
  const lazy = new Map<string, string>();
  const walk = (file: string, reason: string, into: Map<string, string>) => {
    if (routeStatic.has(file) || into.has(file)) return;
    into.set(file, reason);
    for (const next of staticImports.get(file) ?? []) walk(next, `imported by ${file} (${reason})`, into);
    for (const next of dynamicImports.get(file) ?? []) walk(next, `import()ed by ${file}`, into);
  };
  for (const [file, targets] of dynamicImports)
    for (const target of targets) walk(target, `import()ed by ${file}`, lazy);
  const wallet = new Map<string, string>();
  for (const [file, targets] of dynamicImports)
    for (const target of targets)
      if (lazy.has(target) && WALLET_NAME.test(target))
        walk(target, `wallet UI, import()ed by ${file}`, wallet);
  return { files, staticImports, dynamicImports, routeStatic, lazy, wallet };
}
