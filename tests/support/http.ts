// A tiny HTTP client for integration tests: remembers cookies like a browser and sends the
// app's own Origin on mutating requests (as browsers do).
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import type { TestApp } from "./app.ts";

export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = header.split(";");
      const index = pair.indexOf("=");
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  set(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  delete(name: string): void {
    this.cookies.delete(name);
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  clone(): CookieJar {
    const copy = new CookieJar();
    for (const [name, value] of this.cookies) copy.set(name, value);
    return copy;
  }
}

export interface RequestOptions {
  jar?: CookieJar;
  headers?: Record<string, string>;
  /** Origin header for mutating requests; `null` sends none. Default: the app's own origin. */
  origin?: string | null;
}

export async function request(
  app: TestApp,
  method: string,
  path: string,
  body?: unknown,
  options: RequestOptions = {},
): Promise<Response> {
  const headers: Record<string, string> = { accept: "application/json", ...options.headers };
  if (options.jar) headers.cookie = options.jar.header();
  if (method !== "GET" && method !== "HEAD" && options.origin !== null) {
    headers.origin = options.origin ?? app.baseUrl;
  }
  let payload: string | undefined;
  if (body !== undefined) {
    if (typeof body === "string") payload = body;
    else {
      payload = JSON.stringify(body);
      headers["content-type"] ??= "application/json";
    }
  }
  const response = await fetch(`${app.baseUrl}${path}`, {
    method,
    headers,
    body: payload,
    redirect: "manual",
  });
  options.jar?.store(response);
  return response;
}

export const postJson = (app: TestApp, path: string, body: unknown, options?: RequestOptions) =>
  request(app, "POST", path, body, options);

export interface Challenge {
  message: string;
  nonce: string;
  expiresAt: string;
}

export async function getChallenge(app: TestApp, address: string): Promise<Challenge> {
  const response = await postJson(app, "/auth/challenge", { address });
  if (response.status !== 200)
    throw new Error(`challenge failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as Challenge;
}

export async function signMessage(keypair: Ed25519Keypair, message: string): Promise<string> {
  return (await keypair.signPersonalMessage(new TextEncoder().encode(message))).signature;
}

/** Sign in with a real Ed25519 keypair through the HTTP contract; returns the cookie jar. */
export async function signIn(
  app: TestApp,
  keypair: Ed25519Keypair = new Ed25519Keypair(),
): Promise<{ jar: CookieJar; customerId: number; address: string; keypair: Ed25519Keypair }> {
  const address = keypair.toSuiAddress();
  const challenge = await getChallenge(app, address);
  const jar = new CookieJar();
  const response = await postJson(
    app,
    "/auth/verify",
    { address, message: challenge.message, signature: await signMessage(keypair, challenge.message) },
    { jar },
  );
  if (response.status !== 200) throw new Error(`verify failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { customerId: number; address: string };
  return { jar, customerId: body.customerId, address: body.address, keypair };
}
