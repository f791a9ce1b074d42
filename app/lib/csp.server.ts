// The Content-Security-Policy (spec §6). Inline scripts are allowed by their SHA-256 hashes, not by
// a per-request nonce: the hashes of a page's inline scripts (React Router's hydration data and
// module loader) are sent in that page's own policy. A page rendered for the same data is then the
// same bytes every time, so it can be kept rendered and compressed (page-cache.server.ts), while
// an injected script — whose hash is in no policy — still never runs. Responses other than pages
// (and pages without inline scripts) get the base policy: scripts from our origin only.
import { createHash } from "node:crypto";

export interface CspSettings {
  /** Origins the browser may connect to besides ours (the Sui fullnode of the network). */
  connectSources: readonly string[];
  /** Production: ask browsers to load everything over HTTPS. */
  upgradeInsecureRequests: boolean;
}

export function contentSecurityPolicy(settings: CspSettings, scriptHashes: readonly string[] = []): string {
  const directives: [string, ...string[]][] = [
    ["default-src", "'self'"],
    ["script-src", "'self'", ...scriptHashes],
    // React and the wallet kit's web components set inline styles; scripts stay locked down.
    ["style-src", "'self'", "'unsafe-inline'"],
    ["img-src", "'self'", "data:"],
    ["font-src", "'self'"],
    ["connect-src", "'self'", ...settings.connectSources],
    ["frame-ancestors", "'none'"],
    ["form-action", "'self'"],
    ["base-uri", "'self'"],
    ["object-src", "'none'"],
  ];
  if (settings.upgradeInsecureRequests) directives.push(["upgrade-insecure-requests"]);
  return directives.map((directive) => directive.join(" ")).join(";");
}

const SCRIPT_OPEN = Buffer.from("<script");
const SCRIPT_CLOSE = Buffer.from("</script>");
const SRC_ATTRIBUTE = /\ssrc\s*=/i;

/**
 * The CSP hash sources (`'sha256-…'`) of the inline scripts in a rendered page, in order and
 * without repeats. The HTML is React's own output: script contents never hold `</script>` (React
 * Router escapes `<` in its data), so the first `</script>` after an opening tag closes it.
 */
export function inlineScriptHashes(html: Buffer): string[] {
  const hashes = new Set<string>();
  let from = 0;
  for (;;) {
    const open = html.indexOf(SCRIPT_OPEN, from);
    if (open < 0) break;
    const tagEnd = html.indexOf(62 /* > */, open + SCRIPT_OPEN.length);
    if (tagEnd < 0) break;
    const close = html.indexOf(SCRIPT_CLOSE, tagEnd + 1);
    if (close < 0) break;
    from = close + SCRIPT_CLOSE.length;
    // "<scripts" or the like is not a script element; a script with a src has no inline code.
    const next = html[open + SCRIPT_OPEN.length];
    if (next !== 62 && next !== 32 && next !== 9 && next !== 10) continue;
    if (SRC_ATTRIBUTE.test(html.toString("latin1", open, tagEnd))) continue;
    const code = html.subarray(tagEnd + 1, close);
    if (code.byteLength === 0) continue;
    hashes.add(`'sha256-${createHash("sha256").update(code).digest("base64")}'`);
  }
  return [...hashes];
}
