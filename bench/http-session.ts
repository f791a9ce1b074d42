// Signing benchmark customers in over real HTTP, the way the dashboard does: POST /auth/challenge,
// sign the message with the wallet's Ed25519 key (signPersonalMessage), POST /auth/verify, keep
// the session cookies. The per-IP limit on /auth/* is respected: a 429 waits for its Retry-After.
import { createHash } from "node:crypto";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";

/** A reproducible wallet for benchmark customer `index` (its address is stored as the customer's wallet). */
export function benchKeypair(index: number): Ed25519Keypair {
  return Ed25519Keypair.fromSecretKey(createHash("sha256").update(`suiftly-bench-wallet-${index}`).digest());
}

export interface Cookie {
  name: string;
  value: string;
}

export interface BenchSession {
  address: string;
  customerId: number;
  cookies: Cookie[];
  /** The Cookie request header for this session. */
  cookieHeader: string;
}

export interface SignInStats {
  /** 429 answers from /auth/* that made the sign-ins wait. */
  rateLimited: number;
  /** Total time spent waiting for Retry-After. */
  waitedMs: number;
}

function cookiesOf(response: Response): Cookie[] {
  const cookies: Cookie[] = [];
  for (const header of response.headers.getSetCookie()) {
    const [pair = ""] = header.split(";");
    const index = pair.indexOf("=");
    const name = pair.slice(0, index).trim();
    const value = pair.slice(index + 1).trim();
    if (name && value) cookies.push({ name, value });
  }
  return cookies;
}

async function postAuth(
  baseUrl: string,
  path: string,
  body: unknown,
  stats: SignInStats,
  deadline: number,
): Promise<Response> {
  for (;;) {
    const response = await fetch(`${baseUrl}${path}`, {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/json", origin: baseUrl },
      body: JSON.stringify(body),
      redirect: "manual",
    });
    if (response.status !== 429) return response;
    await response.body?.cancel();
    const waitMs = Math.max(1, Number(response.headers.get("retry-after") ?? "5")) * 1000;
    if (Date.now() + waitMs > deadline)
      throw new Error(
        `${path}: still rate-limited (429) after waiting ${Math.round(stats.waitedMs / 1000)} s`,
      );
    stats.rateLimited++;
    stats.waitedMs += waitMs;
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}

/** Sign one wallet in through /auth/challenge + /auth/verify. */
export async function signInOverHttp(
  baseUrl: string,
  keypair: Ed25519Keypair,
  stats: SignInStats = { rateLimited: 0, waitedMs: 0 },
  deadline = Date.now() + 5 * 60_000,
): Promise<BenchSession> {
  const address = keypair.toSuiAddress();
  const challenge = await postAuth(baseUrl, "/auth/challenge", { address }, stats, deadline);
  if (challenge.status !== 200)
    throw new Error(`/auth/challenge answered ${challenge.status}: ${await challenge.text()}`);
  const { message } = (await challenge.json()) as { message: string };
  const { signature } = await keypair.signPersonalMessage(new TextEncoder().encode(message));
  const verify = await postAuth(baseUrl, "/auth/verify", { address, message, signature }, stats, deadline);
  if (verify.status !== 200)
    throw new Error(`/auth/verify answered ${verify.status}: ${await verify.text()}`);
  const body = (await verify.json()) as { customerId: number; address: string };
  const cookies = cookiesOf(verify);
  if (cookies.length === 0) throw new Error("/auth/verify set no session cookie");
  return {
    address: body.address,
    customerId: body.customerId,
    cookies,
    cookieHeader: cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join("; "),
  };
}

/** Sign several wallets in, one after another (sign-ins share the per-IP /auth limit anyway). */
export async function signInAll(
  baseUrl: string,
  keypairs: Ed25519Keypair[],
): Promise<{ sessions: BenchSession[]; stats: SignInStats; ms: number }> {
  const stats: SignInStats = { rateLimited: 0, waitedMs: 0 };
  const started = performance.now();
  const deadline = Date.now() + 5 * 60_000;
  const sessions: BenchSession[] = [];
  for (const keypair of keypairs) sessions.push(await signInOverHttp(baseUrl, keypair, stats, deadline));
  return { sessions, stats, ms: performance.now() - started };
}
