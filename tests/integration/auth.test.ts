// The sign-in HTTP contract with real Ed25519 keypairs, over real HTTP, on real PostgreSQL.
import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "#app/domain/clock.ts";
import { createLogger } from "#app/lib/logger.server.ts";
import { type DatabaseHandle, openDatabase, queryRows } from "#db/client.ts";
import { startTestApp, type TestApp } from "#tests/support/app.ts";
import { withTestDatabase } from "#tests/support/database.ts";
import { CookieJar, getChallenge, postJson, request, signIn, signMessage } from "#tests/support/http.ts";

const database = withTestDatabase();
const logLines: string[] = [];
let app: TestApp;

beforeAll(async () => {
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      logLines.push(chunk.toString());
      callback();
    },
  });
  app = await startTestApp({
    database: database.current.handle,
    logger: createLogger({ level: "debug", destination }),
  });
});
afterAll(async () => {
  await app?.close();
});

/** Everything a sign-in could change; compared before and after each refused request. */
async function snapshot() {
  const [row] = await queryRows<
    Record<"customers" | "sessions" | "revoked" | "nonces" | "used_nonces" | "activity", number>
  >(
    database.current.handle.db,
    sql`select (select count(*) from customers)::int as customers,
               (select count(*) from sessions)::int as sessions,
               (select count(*) from sessions where revoked_at is not null)::int as revoked,
               (select count(*) from auth_nonces)::int as nonces,
               (select count(*) from auth_nonces where used_at is not null)::int as used_nonces,
               (select count(*) from activity_log)::int as activity`,
  );
  return row;
}

async function expectError(response: Response, status: number, code?: string | RegExp) {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: { code: string; message: string; fields?: unknown } };
  expect(body.error.message.length).toBeGreaterThan(5);
  if (code) expect(body.error.code).toMatch(code);
  return body.error;
}

describe("POST /auth/challenge", () => {
  it("returns a message naming the domain, the address, a 32-byte nonce, issue time and 5-minute expiry", async () => {
    const keypair = new Ed25519Keypair();
    const address = keypair.toSuiAddress();
    const response = await postJson(app, "/auth/challenge", {
      address: address.toUpperCase().replace("0X", "0x"),
    });
    expect(response.status).toBe(200);
    const challenge = (await response.json()) as { message: string; nonce: string; expiresAt: string };
    expect(challenge.nonce).toMatch(/^[0-9a-f]{64}$/);
    const host = new URL(app.services.env.appOrigin).host;
    expect(challenge.message).toContain(`${host} wants you to sign in with your Sui account:\n${address}\n`);
    expect(challenge.message).toContain(`Nonce: ${challenge.nonce}`);
    const issued = /Issued At: (\S+)/.exec(challenge.message)?.[1];
    const expires = /Expiration Time: (\S+)/.exec(challenge.message)?.[1];
    expect(Date.parse(expires ?? "") - Date.parse(issued ?? "")).toBe(5 * 60_000);
    expect(challenge.expiresAt).toBe(expires);
  });

  it.each([["0x123"], ["hello"], [`0x${"g".repeat(64)}`], [`${"a".repeat(64)}`], [42], [null]])(
    "refuses the malformed address %s with 400 and stores nothing",
    async (address) => {
      const before = await snapshot();
      const error = await expectError(
        await postJson(app, "/auth/challenge", { address }),
        400,
        "invalid_request",
      );
      expect(error.fields).toHaveProperty("address");
      expect(await snapshot()).toEqual(before);
    },
  );

  it("refuses a missing address and non-JSON bodies", async () => {
    await expectError(await postJson(app, "/auth/challenge", {}), 400);
    await expectError(
      await postJson(app, "/auth/challenge", "{not json", {
        headers: { "content-type": "application/json" },
      }),
      400,
      "invalid_json",
    );
    await expectError(
      await postJson(app, "/auth/challenge", "[1,2]", { headers: { "content-type": "application/json" } }),
      400,
    );
  });

  it("also works from a plain form", async () => {
    const address = new Ed25519Keypair().toSuiAddress();
    const response = await postJson(app, "/auth/challenge", `address=${address}`, {
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { message: string }).message).toContain(address);
  });
});

describe("POST /auth/verify", () => {
  it("signs a new wallet in: creates the customer, opens a session, logs the sign-in", async () => {
    const keypair = new Ed25519Keypair();
    const address = keypair.toSuiAddress();
    const challenge = await getChallenge(app, address);
    const jar = new CookieJar();
    const response = await postJson(
      app,
      "/auth/verify",
      { address, message: challenge.message, signature: await signMessage(keypair, challenge.message) },
      { jar },
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { customerId: number; address: string };
    expect(body.address).toBe(address);
    expect(body.customerId).toBeGreaterThanOrEqual(1);
    expect(body.customerId).toBeLessThanOrEqual(2 ** 31 - 1);

    const cookies = response.headers.getSetCookie();
    expect(cookies).toHaveLength(2);
    for (const cookie of cookies) {
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Lax/);
      expect(cookie).not.toMatch(/; Secure/); // only in production
    }
    expect(cookies.find((c) => c.startsWith("sfy_access="))).toMatch(/Max-Age=900;/);
    expect(cookies.find((c) => c.startsWith("sfy_refresh="))).toMatch(/Max-Age=604800;/);

    const session = await request(app, "GET", "/auth/session", undefined, { jar });
    expect(await session.json()).toEqual({ customerId: body.customerId, address });

    const { db } = database.current.handle;
    const [customer] = await queryRows(
      db,
      sql`select wallet_address, status from customers where customer_id = ${body.customerId}`,
    );
    expect(customer).toEqual({ wallet_address: address, status: "active" });
    const [stored] = await queryRows<{ refresh_token_hash: string }>(
      db,
      sql`select refresh_token_hash from sessions where customer_id = ${body.customerId}`,
    );
    // Only a hash of the refresh token is stored.
    expect(stored?.refresh_token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored?.refresh_token_hash).not.toBe(jar.get("sfy_refresh"));
    const activity = await queryRows(
      db,
      sql`select action, actor_address, ip from activity_log where customer_id = ${body.customerId}`,
    );
    expect(activity).toEqual([{ action: "auth.sign_in", actor_address: address, ip: "127.0.0.1" }]);

    const page = await request(app, "GET", "/dashboard", undefined, {
      jar,
      headers: { accept: "text/html" },
    });
    const html = await page.text();
    expect(html).toContain(address);
    expect(html).not.toContain("Demo mode");
  });

  it("signs the same wallet into the same customer again, accepting any letter case", async () => {
    const keypair = new Ed25519Keypair();
    const first = await signIn(app, keypair);
    const address = keypair.toSuiAddress();
    const challenge = await getChallenge(app, address);
    const response = await postJson(app, "/auth/verify", {
      address: address.replace(/[a-f]/g, (c) => c.toUpperCase()),
      message: challenge.message,
      signature: await signMessage(keypair, challenge.message),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ customerId: first.customerId, address });
  });

  describe("refuses bad input with a 4xx and changes nothing", () => {
    it("an unknown nonce", async () => {
      const keypair = new Ed25519Keypair();
      const address = keypair.toSuiAddress();
      const challenge = await getChallenge(app, address);
      const forged = challenge.message.replace(challenge.nonce, "f".repeat(64));
      const before = await snapshot();
      await expectError(
        await postJson(app, "/auth/verify", {
          address,
          message: forged,
          signature: await signMessage(keypair, forged),
        }),
        401,
        "challenge_unknown",
      );
      expect(await snapshot()).toEqual(before);
    });

    it("a message that differs from the one issued", async () => {
      const keypair = new Ed25519Keypair();
      const address = keypair.toSuiAddress();
      const challenge = await getChallenge(app, address);
      const altered = challenge.message.replace("Sign in to Suiftly", "Sign in to Evil");
      const before = await snapshot();
      await expectError(
        await postJson(app, "/auth/verify", {
          address,
          message: altered,
          signature: await signMessage(keypair, altered),
        }),
        401,
        "challenge_message_mismatch",
      );
      expect(await snapshot()).toEqual(before);
    });

    it("a challenge issued to another address", async () => {
      const keypair = new Ed25519Keypair();
      const other = new Ed25519Keypair();
      const challenge = await getChallenge(app, other.toSuiAddress());
      const before = await snapshot();
      await expectError(
        await postJson(app, "/auth/verify", {
          address: keypair.toSuiAddress(),
          message: challenge.message,
          signature: await signMessage(keypair, challenge.message),
        }),
        401,
        "challenge_address_mismatch",
      );
      expect(await snapshot()).toEqual(before);
    });

    it("a signature from another key (and the challenge stays usable by its owner)", async () => {
      const owner = new Ed25519Keypair();
      const attacker = new Ed25519Keypair();
      const address = owner.toSuiAddress();
      const challenge = await getChallenge(app, address);
      const before = await snapshot();
      await expectError(
        await postJson(app, "/auth/verify", {
          address,
          message: challenge.message,
          signature: await signMessage(attacker, challenge.message),
        }),
        401,
        "bad_signature",
      );
      expect(await snapshot()).toEqual(before);
      const response = await postJson(app, "/auth/verify", {
        address,
        message: challenge.message,
        signature: await signMessage(owner, challenge.message),
      });
      expect(response.status).toBe(200);
    });

    it("a reused nonce", async () => {
      const keypair = new Ed25519Keypair();
      const address = keypair.toSuiAddress();
      const challenge = await getChallenge(app, address);
      const payload = {
        address,
        message: challenge.message,
        signature: await signMessage(keypair, challenge.message),
      };
      expect((await postJson(app, "/auth/verify", payload)).status).toBe(200);
      const before = await snapshot();
      await expectError(await postJson(app, "/auth/verify", payload), 401, "challenge_used");
      expect(await snapshot()).toEqual(before);
    });

    it("concurrent uses of one nonce: exactly one session", async () => {
      const keypair = new Ed25519Keypair();
      const address = keypair.toSuiAddress();
      const challenge = await getChallenge(app, address);
      const payload = {
        address,
        message: challenge.message,
        signature: await signMessage(keypair, challenge.message),
      };
      const responses = await Promise.all(
        Array.from({ length: 5 }, () => postJson(app, "/auth/verify", payload)),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([200, 401, 401, 401, 401]);
      const [row] = await queryRows<{ n: number }>(
        database.current.handle.db,
        sql`select count(*)::int as n from sessions s join customers c using (customer_id) where c.wallet_address = ${address}`,
      );
      expect(row?.n).toBe(1);
    });

    it.each([
      ["truncated", (s: string) => s.slice(0, 64)],
      ["non-base64", () => "this is not base64!!"],
      ["empty", () => ""],
      ["base64 of garbage", () => Buffer.from("x".repeat(120)).toString("base64")],
    ])("a %s signature", async (_label, mangle) => {
      const keypair = new Ed25519Keypair();
      const address = keypair.toSuiAddress();
      const challenge = await getChallenge(app, address);
      const signature = mangle(await signMessage(keypair, challenge.message));
      const before = await snapshot();
      const response = await postJson(app, "/auth/verify", {
        address,
        message: challenge.message,
        signature,
      });
      expect([400, 401]).toContain(response.status);
      await expectError(response, response.status);
      expect(await snapshot()).toEqual(before);
    });

    it("a malformed address or missing fields", async () => {
      const before = await snapshot();
      const error = await expectError(
        await postJson(app, "/auth/verify", { address: "0xnope", message: "", signature: "" }),
        400,
        "invalid_request",
      );
      expect(Object.keys(error.fields as object).sort()).toEqual(["address", "message", "signature"]);
      expect(await snapshot()).toEqual(before);
    });

    it("an oversized body", async () => {
      const keypair = new Ed25519Keypair();
      const before = await snapshot();
      await expectError(
        await postJson(app, "/auth/verify", {
          address: keypair.toSuiAddress(),
          message: "x".repeat(10_000),
          signature: "AA==",
        }),
        413,
        "body_too_large",
      );
      // Larger than any form: refused before any route code runs.
      const huge = await postJson(app, "/auth/challenge", { address: "0x1", pad: "y".repeat(100_000) });
      expect(huge.status).toBe(413);
      expect(await snapshot()).toEqual(before);
    });
  });
});

describe("sessions", () => {
  it("treat a tampered access cookie as signed out and clear it", async () => {
    const { jar } = await signIn(app);
    const token = jar.get("sfy_access") ?? "";
    const tampered = jar.clone();
    tampered.set("sfy_access", `${token.slice(0, -3)}${token.slice(-3) === "AAA" ? "BBB" : "AAA"}`);
    tampered.delete("sfy_refresh");
    const before = await snapshot();
    const response = await request(app, "GET", "/auth/session", undefined, { jar: tampered });
    await expectError(response, 401, "unauthenticated");
    expect(response.headers.getSetCookie().some((c) => c.startsWith("sfy_access=;"))).toBe(true);
    expect(await snapshot()).toEqual(before);
  });

  it("refuse a forged token signed with another secret, and an unknown refresh token", async () => {
    const other = await startTestApp({
      database: database.current.handle,
      env: { SESSION_SECRET: "another-secret-that-is-long-enough-0123456789" },
    });
    try {
      const { jar } = await signIn(other);
      const forged = new CookieJar();
      forged.set("sfy_access", jar.get("sfy_access") ?? "");
      await expectError(await request(app, "GET", "/auth/session", undefined, { jar: forged }), 401);
      const unknownRefresh = new CookieJar();
      unknownRefresh.set("sfy_refresh", "not-a-real-token");
      const before = await snapshot();
      await expectError(await request(app, "GET", "/auth/session", undefined, { jar: unknownRefresh }), 401);
      expect(await snapshot()).toEqual(before);
    } finally {
      await other.close();
    }
  });

  it("sign out revokes the session and clears the cookies", async () => {
    const { jar, customerId, address } = await signIn(app);
    const stolen = jar.clone();
    const response = await postJson(app, "/auth/logout", {}, { jar });
    expect(response.status).toBe(200);
    expect(jar.get("sfy_access")).toBeUndefined();
    expect(jar.get("sfy_refresh")).toBeUndefined();
    // A copy of the old cookies no longer works: the server revoked the session.
    await expectError(await request(app, "GET", "/auth/session", undefined, { jar: stolen }), 401);
    const withoutAccess = stolen.clone();
    withoutAccess.delete("sfy_access");
    await expectError(await request(app, "GET", "/auth/session", undefined, { jar: withoutAccess }), 401);
    const activity = await queryRows(
      database.current.handle.db,
      sql`select action, actor_address from activity_log where customer_id = ${customerId} order by id`,
    );
    expect(activity).toEqual([
      { action: "auth.sign_in", actor_address: address },
      { action: "auth.sign_out", actor_address: address },
    ]);
  });

  it("sign out from a plain form redirects to the landing page", async () => {
    const { jar } = await signIn(app);
    const response = await request(app, "POST", "/auth/logout", "", {
      jar,
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" },
    });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/");
  });
});

describe("the session check of a page view", () => {
  /** The named (prepared) statements the app ran, in order. */
  const statements: string[] = [];
  let counted: TestApp;
  let countedHandle: DatabaseHandle;

  beforeAll(async () => {
    countedHandle = await openDatabase({ url: database.current.url, poolMax: 4 });
    countedHandle.pool?.on("connect", (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (
        config: unknown,
        ...rest
      ) => {
        const name = (config as { name?: unknown } | null)?.name;
        if (typeof name === "string") statements.push(name);
        return query(config, ...rest);
      };
    });
    counted = await startTestApp({ database: countedHandle });
  });
  afterAll(async () => {
    await counted?.close();
    await countedHandle?.close();
  });

  async function statementsOf(path: string, jar: CookieJar, accept: string) {
    statements.length = 0;
    const response = await request(counted, "GET", path, undefined, { jar, headers: { accept } });
    const body = await response.text();
    return { status: response.status, response, body, statements: [...statements] };
  }

  it("reads the session and the customer snapshot in one statement, then only what the page needs", async () => {
    const { jar, address } = await signIn(counted);
    const page = await statementsOf("/dashboard", jar, "text/html");
    expect(page.status).toBe(200);
    expect(page.statements.filter((name) => name.startsWith("session_state"))).toEqual([
      "session_state_snapshot",
    ]);
    expect(page.statements).not.toContain("customer_snapshot");
    expect(page.body).toContain(`title="${address}"`);

    // Client-side navigation: the root's loader data too, so the same single statement.
    const data = await statementsOf("/dashboard.data", jar, "*/*");
    expect(data.status).toBe(200);
    expect(
      data.statements.filter((name) => name.includes("snapshot") || name.startsWith("session_state")),
    ).toEqual(["session_state_snapshot"]);

    // Only the page's own loader: the plain session check, and the page reads its snapshot itself.
    const partial = await statementsOf("/dashboard.data?_routes=routes%2Fdashboard", jar, "*/*");
    expect(partial.status).toBe(200);
    expect(
      partial.statements.filter((name) => name.includes("snapshot") || name.startsWith("session_state")),
    ).toEqual(["session_state", "customer_snapshot"]);

    // A JSON resource never reads the snapshot.
    const api = await statementsOf("/auth/session", jar, "application/json");
    expect(api.status).toBe(200);
    expect(
      api.statements.filter((name) => name.includes("snapshot") || name.startsWith("session_state")),
    ).toEqual(["session_state"]);
  });

  it("still signs a revoked session out of a page at once", async () => {
    const { jar, address } = await signIn(counted);
    const stolen = jar.clone();
    const before = await statementsOf("/dashboard", stolen, "text/html");
    expect(before.status).toBe(200);
    expect(before.body).toContain(`title="${address}"`);
    expect((await postJson(counted, "/auth/logout", {}, { jar })).status).toBe(200);
    // The dashboard shows its signed-out demo, and the dead cookies are cleared.
    const after = await statementsOf("/dashboard", stolen, "text/html");
    expect(after.status).toBe(200);
    expect(after.response.headers.getSetCookie().some((cookie) => cookie.startsWith("sfy_access=;"))).toBe(
      true,
    );
    const html = after.body;
    expect(html).not.toContain('data-testid="viewer-address"');
    expect(html).not.toContain(address);
    expect(after.statements).not.toContain("customer_snapshot");
  });
});

describe("short-lifetime sessions", () => {
  let shortApp: TestApp;
  beforeAll(async () => {
    shortApp = await startTestApp({
      database: database.current.handle,
      env: {
        ACCESS_TOKEN_TTL_SECONDS: "1",
        REFRESH_TOKEN_TTL_SECONDS: "3",
        REFRESH_REUSE_GRACE_SECONDS: "0",
      },
    });
  });
  afterAll(async () => {
    await shortApp?.close();
  });
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("renew an expired access token from the refresh token inside the same request", async () => {
    const { jar, customerId } = await signIn(shortApp);
    const firstAccess = jar.get("sfy_access");
    const firstRefresh = jar.get("sfy_refresh");
    await pause(1_100);
    const response = await request(shortApp, "GET", "/auth/session", undefined, { jar });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { customerId: number }).customerId).toBe(customerId);
    expect(jar.get("sfy_access")).not.toBe(firstAccess);
    expect(jar.get("sfy_refresh")).not.toBe(firstRefresh);
    const rows = await queryRows<{ rotated: boolean; family_id: string }>(
      database.current.handle.db,
      sql`select rotated_at is not null as rotated, family_id from sessions where customer_id = ${customerId} order by created_at`,
    );
    expect(rows.map((r) => r.rotated)).toEqual([true, false]);
    expect(new Set(rows.map((r) => r.family_id)).size).toBe(1);
  });

  it("revoke the whole family when a used refresh token is presented again", async () => {
    const { jar, customerId } = await signIn(shortApp);
    const original = jar.clone();
    await pause(1_100);
    expect((await request(shortApp, "GET", "/auth/session", undefined, { jar })).status).toBe(200);
    // The attacker replays the first refresh token (its access token has expired too).
    const replay = await request(shortApp, "GET", "/auth/session", undefined, { jar: original });
    await expectError(replay, 401);
    expect(replay.headers.getSetCookie().some((c) => c.startsWith("sfy_refresh=;"))).toBe(true);
    // ...and the legitimate, rotated session died with it.
    await expectError(await request(shortApp, "GET", "/auth/session", undefined, { jar }), 401);
    const [row] = await queryRows<{ live: number }>(
      database.current.handle.db,
      sql`select count(*)::int as live from sessions where customer_id = ${customerId} and revoked_at is null`,
    );
    expect(row?.live).toBe(0);
    const activity = await queryRows(
      database.current.handle.db,
      sql`select action from activity_log where customer_id = ${customerId} order by id`,
    );
    expect(activity.map((a) => a.action)).toContain("auth.refresh_token_reused");
  });

  it("end entirely once the refresh token expires", async () => {
    const { jar } = await signIn(shortApp);
    await pause(3_100);
    await expectError(await request(shortApp, "GET", "/auth/session", undefined, { jar }), 401);
  });
});

describe("parallel requests of one page", () => {
  it("may present the just-rotated refresh token within the grace period without losing the session", async () => {
    const clock = fixedClock(new Date());
    const graceApp = await startTestApp({
      database: database.current.handle,
      clock,
      env: { REFRESH_REUSE_GRACE_SECONDS: "10" },
    });
    try {
      const { jar } = await signIn(graceApp);
      const parallel = jar.clone();
      clock.advance(16 * 60_000); // the access token expired
      expect((await request(graceApp, "GET", "/auth/session", undefined, { jar })).status).toBe(200);
      clock.advance(2_000);
      const second = await request(graceApp, "GET", "/auth/session", undefined, { jar: parallel });
      expect(second.status).toBe(200);
      expect(second.headers.getSetCookie()).toEqual([]);
      expect((await request(graceApp, "GET", "/auth/session", undefined, { jar })).status).toBe(200);
    } finally {
      await graceApp.close();
    }
  });
});

describe("challenge expiry", () => {
  it("refuses a challenge signed after its 5 minutes, changing nothing", async () => {
    const clock = fixedClock(new Date());
    const clockApp = await startTestApp({ database: database.current.handle, clock });
    try {
      const keypair = new Ed25519Keypair();
      const address = keypair.toSuiAddress();
      const challenge = await getChallenge(clockApp, address);
      clock.advance(5 * 60_000 + 1_000);
      const before = await snapshot();
      await expectError(
        await postJson(clockApp, "/auth/verify", {
          address,
          message: challenge.message,
          signature: await signMessage(keypair, challenge.message),
        }),
        401,
        "challenge_expired",
      );
      expect(await snapshot()).toEqual(before);
    } finally {
      await clockApp.close();
    }
  });
});

describe("request protections", () => {
  it("refuse mutating requests from a foreign or missing origin", async () => {
    const address = new Ed25519Keypair().toSuiAddress();
    const before = await snapshot();
    await expectError(
      await postJson(app, "/auth/challenge", { address }, { origin: "https://evil.example" }),
      403,
      "forbidden_origin",
    );
    await expectError(
      await postJson(app, "/auth/challenge", { address }, { origin: null }),
      403,
      "forbidden_origin",
    );
    const viaReferer = await postJson(
      app,
      "/auth/challenge",
      { address },
      { origin: null, headers: { referer: `${app.baseUrl}/login` } },
    );
    expect(viaReferer.status).toBe(200);
    expect((await snapshot())?.nonces).toBe((before?.nonces ?? 0) + 1);
  });

  it("rate-limit /auth/* per IP across app instances, answering 429 with Retry-After", async () => {
    const env = { AUTH_RATE_LIMIT_PER_MINUTE: "3" };
    // A second database handle: like a second server process sharing the same PostgreSQL.
    const secondHandle = await openDatabase({ url: database.current.url, poolMax: 2 });
    const first = await startTestApp({ database: database.current.handle, env });
    const second = await startTestApp({ database: secondHandle, env });
    try {
      await database.current.handle.db.execute(sql`delete from rate_limit_buckets`);
      const address = new Ed25519Keypair().toSuiAddress();
      expect((await postJson(first, "/auth/challenge", { address })).status).toBe(200);
      expect((await postJson(second, "/auth/challenge", { address })).status).toBe(200);
      expect((await postJson(first, "/auth/challenge", { address })).status).toBe(200);
      const before = await snapshot();
      const limited = await postJson(second, "/auth/challenge", { address });
      await expectError(limited, 429, "rate_limited");
      const retryAfter = Number(limited.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(await snapshot()).toEqual(before);
    } finally {
      await database.current.handle.db.execute(sql`delete from rate_limit_buckets`);
      await first.close();
      await second.close();
      await secondHandle.close();
    }
  });

  it("send security headers, allowing exactly the page's inline scripts by hash", async () => {
    const response = await request(app, "GET", "/", undefined, { headers: { accept: "text/html" } });
    const csp = response.headers.get("content-security-policy") ?? "";
    const scriptSources = /(?:^|;)script-src ([^;]*)/.exec(csp)?.[1]?.split(" ") ?? [];
    expect(scriptSources[0]).toBe("'self'");
    expect(csp).not.toMatch(/script-src[^;]*(unsafe-inline|nonce-)/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("same-origin");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    const html = await response.text();
    const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)]
      .map(([, code]) => code ?? "")
      .filter(Boolean);
    expect(inline.length).toBeGreaterThan(0);
    const hashes = new Set(
      inline.map((code) => `'sha256-${createHash("sha256").update(code, "utf8").digest("base64")}'`),
    );
    // Every inline script is allowed, and nothing else is.
    expect(new Set(scriptSources.slice(1))).toEqual(hashes);
    // Other responses get the base policy: our own scripts only.
    const health = await request(app, "GET", "/health");
    expect(health.headers.get("content-security-policy")).toMatch(/(?:^|;)script-src 'self';/);
  });

  it("never log cookies, tokens or signatures", async () => {
    const { jar, keypair } = await signIn(app);
    await request(app, "GET", "/dashboard", undefined, { jar, headers: { accept: "text/html" } });
    const everything = logLines.join("\n");
    expect(everything).toContain('"path":"/auth/verify"');
    for (const secret of [jar.get("sfy_access"), jar.get("sfy_refresh")]) {
      expect(secret).toBeTruthy();
      expect(everything).not.toContain(secret);
    }
    const challenge = await getChallenge(app, keypair.toSuiAddress());
    expect(everything).not.toContain(await signMessage(keypair, challenge.message));
  });

  it("show no stack trace when a page fails", async () => {
    const { jar } = await signIn(app);
    const unreachable = await openDatabase({ url: "postgres://postgres@127.0.0.1:9/none", poolMax: 1 });
    const broken = await startTestApp({ database: unreachable });
    try {
      const response = await request(broken, "GET", "/dashboard", undefined, {
        jar,
        headers: { accept: "text/html" },
      });
      expect(response.status).toBe(500);
      const html = await response.text();
      expect(html).toContain("Something went wrong");
      expect(html).not.toMatch(/ECONNREFUSED|node_modules|at [\w.<>]+ \(|\.ts:\d+/);
    } finally {
      await broken.close();
      await unreachable.close();
    }
  });
});
