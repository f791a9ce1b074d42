// bench:weight — the JavaScript a signed-in customer downloads for /dashboard on a cold cache,
// measured in Chromium (/usr/bin/chromium, never a downloaded browser) against the production build.
// Every script response is recorded (module scripts and modulepreloads); bytes are reported raw
// and gzip-compressed — the bytes the server sent when it sent gzip, otherwise zlib level 6 of the
// body. The wallet UI's chunks (dApp Kit, loaded by import() only when the wallet UI opens) are
// excluded and listed. Goal: < 100 kB (100,000 bytes) of JavaScript, gzip.
//
//   npm run bench:weight
import { gzipSync } from "node:zlib";
import { chromium, type Response } from "@playwright/test";
import { ensureLogPartitions } from "#db/partitions.ts";
import { PARTITION_DAYS_AHEAD } from "#db/seed.ts";
import { readAssetGraph } from "./http-assets.ts";
import { createHttpCustomers, type HttpDataOptions, loadHttpLogs, meterAndAnalyze } from "./http-data.ts";
import { ensureProductionBuild, gitCommit, startProductionServer } from "./http-server.ts";
import { benchKeypair, signInAll } from "./http-session.ts";
import { describeMachine, fmtInt, printTable, runBench, verdict, withBenchDatabase } from "./support.ts";

const GOAL_BYTES = 100_000;
const PAGE = "/dashboard";
const DAY_MS = 86_400_000;
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

interface ScriptFile {
  file: string;
  url: string;
  resourceType: string;
  status: number;
  encoding: string;
  wireBytes: number;
  rawBytes: number;
  gzipBytes: number;
  gzipSource: "server" | "zlib -6";
  excluded: string | null;
}

const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

async function main(): Promise<number> {
  ensureProductionBuild();
  const graph = readAssetGraph();
  return withBenchDatabase("weight", async ({ handle, url }) => {
    console.log(`bench:weight — ${await describeMachine(handle)}`);
    const now = new Date();
    const options: HttpDataOptions = { customers: 50, logRows: 20_000, days: 30, signedIn: [1], now };
    await createHttpCustomers(handle, options);
    await ensureLogPartitions(
      handle.db,
      new Date(now.getTime() - 30 * DAY_MS - 2 * 3_600_000),
      new Date(now.getTime() + PARTITION_DAYS_AHEAD * DAY_MS),
    );
    await loadHttpLogs(handle, options);
    await meterAndAnalyze(handle);
    const server = await startProductionServer({ databaseUrl: url, logLevel: "warn" });
    try {
      const { sessions } = await signInAll(server.baseUrl, [benchKeypair(1)]);
      const session = sessions[0];
      if (!session) throw new Error("no session");
      const chromiumVersion = await (async () => {
        const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
        try {
          return browser.version();
        } finally {
          await browser.close();
        }
      })();
      console.log(
        `commit ${gitCommit()}; server ${server.baseUrl} (NODE_ENV=production APP_ENV=production), Chromium ${chromiumVersion}`,
      );

      const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
      const problems: string[] = [];
      const scripts: ScriptFile[] = [];
      try {
        // A fresh context: empty cache, only the session cookies obtained over HTTP.
        const context = await browser.newContext();
        // Production cookies are `__Host-` + Secure: the DevTools protocol only stores those for an
        // https URL. Cookies ignore the scheme's port and Chromium sends Secure cookies to
        // http://127.0.0.1 (a potentially trustworthy origin), as it stored them from the server.
        await context.addCookies(
          session.cookies.map((cookie) => {
            const secure = cookie.name.startsWith("__Host-") || cookie.name.startsWith("__Secure-");
            return {
              name: cookie.name,
              value: cookie.value,
              url: `${secure ? server.baseUrl.replace(/^http:/, "https:") : server.baseUrl}/`,
              httpOnly: true,
              secure,
              sameSite: "Lax" as const,
            };
          }),
        );
        const page = await context.newPage();
        const pending: Promise<void>[] = [];
        const seen = new Set<string>();
        const record = async (response: Response) => {
          const request = response.request();
          const address = new URL(response.url());
          if (request.resourceType() !== "script" && !address.pathname.endsWith(".js")) return;
          const file = address.pathname.split("/").at(-1) ?? address.pathname;
          // A modulepreload and the import that uses it are one download (the second hits the cache).
          if (seen.has(address.pathname)) return;
          seen.add(address.pathname);
          const headers = await response.allHeaders();
          const encoding = headers["content-encoding"] ?? "identity";
          const body = await response.body();
          const sizes = await request.sizes();
          const gzipBytes =
            encoding === "gzip" ? sizes.responseBodySize : gzipSync(body, { level: 6 }).length;
          scripts.push({
            file,
            url: address.pathname,
            resourceType: request.resourceType(),
            status: response.status(),
            encoding,
            wireBytes: sizes.responseBodySize,
            rawBytes: body.length,
            gzipBytes,
            gzipSource: encoding === "gzip" ? "server" : "zlib -6",
            excluded: graph.wallet.get(file) ?? null,
          });
        };
        page.on("response", (response) => {
          pending.push(record(response).catch((error) => void problems.push(`${response.url()}: ${error}`)));
        });
        page.on("requestfailed", (request) =>
          problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`),
        );
        page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
        const navigation = await page.goto(`${server.baseUrl}${PAGE}`, { waitUntil: "networkidle" });
        // Hydration done and idle: anything loaded lazily after mount has been requested by now.
        await page.waitForTimeout(500);
        await page.waitForLoadState("networkidle");
        await Promise.all(pending);
        if (navigation?.status() !== 200) problems.push(`${PAGE} answered ${navigation?.status()}`);
        if (new URL(page.url()).pathname !== PAGE)
          problems.push(`${PAGE} ended at ${page.url()} (not signed in?)`);
        const shown = await page
          .locator('[data-testid="viewer-address"]')
          .getAttribute("title", { timeout: 5_000 })
          .catch(() => null);
        if (shown !== session.address)
          problems.push(`the page does not show the signed-in wallet (${shown ?? "no wallet widget"})`);
        await context.close();
      } finally {
        await browser.close();
      }
      for (const script of scripts)
        if (script.status !== 200) problems.push(`${script.url} answered ${script.status}`);
      if (scripts.length === 0) problems.push("no JavaScript was loaded at all");

      scripts.sort(
        (a, b) => Number(a.excluded !== null) - Number(b.excluded !== null) || b.gzipBytes - a.gzipBytes,
      );
      const counted = scripts.filter((script) => script.excluded === null);
      const excluded = scripts.filter((script) => script.excluded !== null);
      const total = (list: ScriptFile[], key: "rawBytes" | "gzipBytes" | "wireBytes") =>
        list.reduce((sum, script) => sum + script[key], 0);
      const encodings = [...new Set(scripts.map((script) => script.encoding))].join(", ");
      printTable(
        `bench:weight — JavaScript of ${PAGE} for a signed-in customer, cold cache (${scripts.length} files; server sent ${encodings})`,
        ["file", "type", "sent as", "wire", "raw", "gzip", "gzip from", "counted"],
        [
          ...scripts.map((script) => [
            script.file,
            script.resourceType,
            script.encoding,
            fmtInt(script.wireBytes),
            fmtInt(script.rawBytes),
            fmtInt(script.gzipBytes),
            script.gzipSource,
            script.excluded
              ? "no: wallet UI"
              : graph.lazy.has(script.file)
                ? "yes (lazy, loaded at visit)"
                : "yes",
          ]),
          [
            "total counted",
            "",
            "",
            fmtInt(total(counted, "wireBytes")),
            fmtInt(total(counted, "rawBytes")),
            fmtInt(total(counted, "gzipBytes")),
            "",
            `${counted.length} files`,
          ],
        ],
      );
      if (excluded.length > 0) {
        console.log("Excluded (loaded by the visit, but wallet UI):");
        for (const script of excluded) console.log(`  ${script.file}: ${script.excluded}`);
      } else {
        console.log(`Excluded: nothing — ${PAGE} loaded no wallet UI chunk.`);
      }
      const walletFiles = [...graph.wallet.keys()].filter((file) => !scripts.some((s) => s.file === file));
      if (walletFiles.length > 0) {
        console.log(
          `Wallet UI chunks in the build that ${PAGE} did not load (they load when the wallet UI opens):`,
        );
        for (const file of walletFiles) console.log(`  ${file}: ${graph.wallet.get(file)}`);
      }
      const gzipTotal = total(counted, "gzipBytes");
      const pass = gzipTotal < GOAL_BYTES;
      printTable(
        "Result",
        ["benchmark", "goal", "measured", "result"],
        [
          [
            `${PAGE} JavaScript, gzip (excl. wallet UI)`,
            `< ${kB(GOAL_BYTES)}`,
            `${kB(gzipTotal)} (raw ${kB(total(counted, "rawBytes"))})`,
            verdict(pass),
          ],
        ],
      );
      if (problems.length > 0) {
        console.error(`INVALID RUN:\n  ${problems.join("\n  ")}`);
        return 2;
      }
      return pass ? 0 : 1;
    } finally {
      await server.stop();
    }
  });
}

runBench(main);
