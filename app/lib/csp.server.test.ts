import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, inlineScriptHashes } from "./csp.server.ts";

const sha = (code: string) => `'sha256-${createHash("sha256").update(code, "utf8").digest("base64")}'`;

describe("inlineScriptHashes", () => {
  it("hashes each inline script's exact bytes (UTF-8), once, in order", () => {
    const first = 'window.__ctx = {"name":"Zoë \\u003c/script>"};';
    const second = 'import "/assets/entry.client-abc.js";';
    const html = Buffer.from(
      `<html><head><script>${first}</script></head><body>` +
        `<script type="module" async="">${second}</script><script>${first}</script></body></html>`,
    );
    expect(inlineScriptHashes(html)).toEqual([sha(first), sha(second)]);
  });

  it("skips scripts loaded from a src, empty scripts and tags that only start like <script", () => {
    const html = Buffer.from(
      '<script src="/assets/a.js"></script><script type="module" src="/b.js" async></script>' +
        "<script></script><scripts>not code</scripts><p>&lt;script&gt;</p>",
    );
    expect(inlineScriptHashes(html)).toEqual([]);
  });
});

describe("contentSecurityPolicy", () => {
  it("allows scripts from our origin and by hash only, never inline by default", () => {
    const settings = {
      connectSources: ["https://fullnode.testnet.sui.io:443"],
      upgradeInsecureRequests: true,
    };
    const base = contentSecurityPolicy(settings);
    expect(base).toContain("script-src 'self';");
    expect(base).toContain("connect-src 'self' https://fullnode.testnet.sui.io:443");
    expect(base).toContain("frame-ancestors 'none'");
    expect(base).toMatch(/upgrade-insecure-requests$/);
    const page = contentSecurityPolicy(settings, [sha("a()"), sha("b()")]);
    expect(page).toContain(`script-src 'self' ${sha("a()")} ${sha("b()")};`);
    expect(page).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(contentSecurityPolicy({ connectSources: [], upgradeInsecureRequests: false })).not.toContain(
      "upgrade-insecure-requests",
    );
  });
});
