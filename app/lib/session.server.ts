// Server-side, revocable sessions (spec §6):
// - access token: a JWT (HS256, `typ: "access"`) valid ACCESS_TOKEN_TTL_SECONDS (15 min);
// - refresh token: 32 random bytes, stored only as a SHA-256 hash, valid
//   REFRESH_TOKEN_TTL_SECONDS (7 days) and rotated on every use. Presenting a token that was
//   already rotated (after a short grace for parallel requests) revokes its whole family.
// Both travel in HttpOnly, SameSite=Lax cookies (Secure in production). An expired access token
// with a valid refresh token is renewed inside the same request.
import { createHash, hkdfSync, randomBytes, randomUUID } from "node:crypto";
import { and, eq, isNull, sql } from "drizzle-orm";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { LRUCache } from "lru-cache";
import { recordActivity } from "#app/domain/activity.ts";
import { type CustomerSnapshot, snapshotColumn, snapshotFromColumn } from "#app/domain/customer-snapshot.ts";
import type { Database, Queryable } from "#db/client.ts";
import { customers, escrowAccounts, sessions } from "#db/schema/index.ts";
import { readCookie, serializeCookie } from "./cookies.ts";
import type { Env } from "./env.server.ts";
import type { AppServices } from "./services.server.ts";

export interface Viewer {
  customerId: number;
  address: string;
  sessionId: string;
  familyId: string;
}

const ISSUER = "suiftly";
const AUDIENCE = "suiftly-dashboard";
const ACCESS_TYPE = "access";

export function sessionCookieNames(env: Env) {
  // `__Host-` binds the cookie to this exact origin; browsers only accept it over HTTPS.
  const prefix = env.isProduction ? "__Host-" : "";
  return { access: `${prefix}sfy_access`, refresh: `${prefix}sfy_refresh` };
}

const keyCache = new Map<string, Uint8Array>();
function accessTokenKey(secret: string): Uint8Array {
  let key = keyCache.get(secret);
  if (!key) {
    key = new Uint8Array(hkdfSync("sha256", secret, "suiftly", "access-token-v1", 32));
    keyCache.set(secret, key);
  }
  return key;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function newRefreshToken(): string {
  return randomBytes(32).toString("base64url");
}

async function signAccessToken(env: Env, viewer: Viewer, now: Date): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT({ typ: ACCESS_TYPE, sid: viewer.sessionId, fam: viewer.familyId, addr: viewer.address })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(String(viewer.customerId))
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + env.accessTokenTtlSeconds)
    .sign(accessTokenKey(env.sessionSecret));
}

type AccessCheck = { status: "valid"; viewer: Viewer } | { status: "expired" } | { status: "invalid" };

/**
 * Access tokens this process has already verified (signature and claims), with the key that
 * verified them and their expiry. A token never changes, so checking its signature again on every
 * request proves nothing new: only its expiry is checked again, against the request's clock.
 * Revocation is not cached: every request still asks the database (resolveSession).
 */
const verifiedTokens = new LRUCache<string, { key: Uint8Array; viewer: Viewer; expiresAtMs: number }>({
  max: 10_000,
});

async function verifyAccessToken(env: Env, token: string, now: Date): Promise<AccessCheck> {
  const key = accessTokenKey(env.sessionSecret);
  const known = verifiedTokens.get(token);
  if (known && known.key === key) {
    // As jose: expired once `exp` (whole seconds) is not after the current second.
    if (now.getTime() < known.expiresAtMs) return { status: "valid", viewer: { ...known.viewer } };
    verifiedTokens.delete(token);
    return { status: "expired" };
  }
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ["HS256"],
      issuer: ISSUER,
      audience: AUDIENCE,
      currentDate: now,
      requiredClaims: ["sub", "exp", "sid", "fam", "typ"],
    });
    const customerId = Number(payload.sub);
    if (
      payload.typ !== ACCESS_TYPE ||
      !Number.isInteger(customerId) ||
      typeof payload.sid !== "string" ||
      typeof payload.fam !== "string" ||
      typeof payload.addr !== "string"
    ) {
      return { status: "invalid" };
    }
    const viewer: Viewer = {
      customerId,
      address: payload.addr,
      sessionId: payload.sid,
      familyId: payload.fam,
    };
    if (typeof payload.exp === "number")
      verifiedTokens.set(token, { key, viewer: { ...viewer }, expiresAtMs: payload.exp * 1000 });
    return { status: "valid", viewer };
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) return { status: "expired" };
    return { status: "invalid" };
  }
}

function sessionCookies(env: Env, access: string, refresh: string): string[] {
  const names = sessionCookieNames(env);
  const secure = env.isProduction;
  return [
    serializeCookie(names.access, access, {
      maxAgeSeconds: env.accessTokenTtlSeconds,
      httpOnly: true,
      secure,
    }),
    serializeCookie(names.refresh, refresh, {
      maxAgeSeconds: env.refreshTokenTtlSeconds,
      httpOnly: true,
      secure,
    }),
  ];
}

export function clearSessionCookies(env: Env): string[] {
  const names = sessionCookieNames(env);
  const secure = env.isProduction;
  return [
    serializeCookie(names.access, "", { maxAgeSeconds: 0, httpOnly: true, secure }),
    serializeCookie(names.refresh, "", { maxAgeSeconds: 0, httpOnly: true, secure }),
  ];
}

/** Start a new session family for a customer who just signed in. Returns the cookies to set. */
export async function createSession(
  db: Queryable,
  services: Pick<AppServices, "env" | "clock">,
  input: { customerId: number; address: string; ip: string | null; userAgent: string | null },
): Promise<{ viewer: Viewer; cookies: string[] }> {
  const now = services.clock.now();
  const refresh = newRefreshToken();
  const viewer: Viewer = {
    customerId: input.customerId,
    address: input.address,
    sessionId: randomUUID(),
    familyId: randomUUID(),
  };
  await db.insert(sessions).values({
    id: viewer.sessionId,
    familyId: viewer.familyId,
    customerId: input.customerId,
    refreshTokenHash: hashToken(refresh),
    createdAt: now,
    expiresAt: new Date(now.getTime() + services.env.refreshTokenTtlSeconds * 1000),
    ip: input.ip,
    userAgent: input.userAgent?.slice(0, 512) ?? null,
  });
  const access = await signAccessToken(services.env, viewer, now);
  return { viewer, cookies: sessionCookies(services.env, access, refresh) };
}

export async function revokeSessionFamily(db: Queryable, familyId: string, now: Date): Promise<number> {
  const revoked = await db
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(eq(sessions.familyId, familyId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return revoked.length;
}

function sessionOfCustomer() {
  return and(
    eq(sessions.id, sql.placeholder("sessionId")),
    eq(sessions.customerId, sql.placeholder("customerId")),
  );
}

function buildSessionStateQueries(db: Database) {
  return {
    state: db
      .select({ revokedAt: sessions.revokedAt, status: customers.status })
      .from(sessions)
      .innerJoin(customers, eq(customers.customerId, sessions.customerId))
      .where(sessionOfCustomer())
      .limit(1)
      .prepare("session_state"),
    // The same check, plus the customer snapshot the page's loaders are about to read: one round
    // trip instead of two for every signed-in page view.
    withSnapshot: db
      .select({ revokedAt: sessions.revokedAt, status: customers.status, snapshot: snapshotColumn() })
      .from(sessions)
      .innerJoin(customers, eq(customers.customerId, sessions.customerId))
      .leftJoin(escrowAccounts, eq(escrowAccounts.customerId, customers.customerId))
      .where(sessionOfCustomer())
      .limit(1)
      .prepare("session_state_snapshot"),
  };
}

// Every signed-in request runs one of them: built (and, on PostgreSQL, parsed) once per database.
const sessionQueriesByDatabase = new WeakMap<Database, ReturnType<typeof buildSessionStateQueries>>();

function sessionStateQueries(db: Database) {
  let queries = sessionQueriesByDatabase.get(db);
  if (!queries) {
    queries = buildSessionStateQueries(db);
    sessionQueriesByDatabase.set(db, queries);
  }
  return queries;
}

export interface ResolvedSession {
  viewer: Viewer | null;
  /** Set-Cookie values the response must carry (rotated tokens, or clearing bad ones). */
  cookies: string[];
  /**
   * The viewer's customer snapshot, read with the session check when `withSnapshot` was asked
   * for and the access token was valid (not after a renewal from the refresh token).
   */
  snapshot?: CustomerSnapshot;
}

/** Who is making this request? Renews an expired access token from the refresh token. */
export async function resolveSession(
  request: Request,
  services: AppServices,
  client: { ip: string },
  options: { withSnapshot?: boolean } = {},
): Promise<ResolvedSession> {
  const { env, clock, db } = services;
  const names = sessionCookieNames(env);
  const header = request.headers.get("cookie");
  const accessToken = readCookie(header, names.access);
  const refreshToken = readCookie(header, names.refresh);
  if (!accessToken && !refreshToken) return { viewer: null, cookies: [] };
  const now = clock.now();

  if (accessToken) {
    const check = await verifyAccessToken(env, accessToken, now);
    if (check.status === "valid") {
      // Stateless tokens are not enough: a revoked session must stop working at once.
      const { sessionId, customerId } = check.viewer;
      const queries = sessionStateQueries(db);
      if (options.withSnapshot) {
        const [row] = await queries.withSnapshot.execute({ sessionId, customerId });
        if (row && !row.revokedAt && row.status !== "closed") {
          return {
            viewer: check.viewer,
            cookies: [],
            snapshot: snapshotFromColumn(customerId, row.snapshot),
          };
        }
      } else {
        const [row] = await queries.state.execute({ sessionId, customerId });
        if (row && !row.revokedAt && row.status !== "closed") return { viewer: check.viewer, cookies: [] };
      }
      return { viewer: null, cookies: clearSessionCookies(env) };
    }
  }

  if (!refreshToken) return { viewer: null, cookies: clearSessionCookies(env) };
  return rotateRefreshToken(services, refreshToken, {
    ip: client.ip,
    userAgent: request.headers.get("user-agent"),
  });
}

async function rotateRefreshToken(
  services: AppServices,
  presented: string,
  client: { ip: string; userAgent: string | null },
): Promise<ResolvedSession> {
  const { env, clock } = services;
  const now = clock.now();
  if (presented.length > 200) return { viewer: null, cookies: clearSessionCookies(env) };

  return services.db.transaction(async (tx) => {
    const [row] = await tx
      .select({
        id: sessions.id,
        familyId: sessions.familyId,
        customerId: sessions.customerId,
        expiresAt: sessions.expiresAt,
        rotatedAt: sessions.rotatedAt,
        revokedAt: sessions.revokedAt,
        address: customers.walletAddress,
        status: customers.status,
      })
      .from(sessions)
      .innerJoin(customers, eq(customers.customerId, sessions.customerId))
      .where(eq(sessions.refreshTokenHash, hashToken(presented)))
      .for("update", { of: sessions })
      .limit(1);
    if (!row || row.revokedAt || row.expiresAt <= now || row.status === "closed") {
      return { viewer: null, cookies: clearSessionCookies(env) };
    }

    if (row.rotatedAt) {
      const sinceRotation = now.getTime() - row.rotatedAt.getTime();
      if (sinceRotation <= env.refreshReuseGraceSeconds * 1000) {
        // A parallel request of the same page: the first one already set the new cookies.
        return {
          viewer: {
            customerId: row.customerId,
            address: row.address,
            sessionId: row.id,
            familyId: row.familyId,
          },
          cookies: [],
        };
      }
      const revoked = await revokeSessionFamily(tx, row.familyId, now);
      await recordActivity(tx, {
        customerId: row.customerId,
        kind: "auth",
        action: "auth.refresh_token_reused",
        summary: "A sign-in token was used twice; that session was signed out everywhere as a precaution.",
        details: { sessionsRevoked: revoked },
        ip: client.ip,
        at: now,
      });
      return { viewer: null, cookies: clearSessionCookies(env) };
    }

    await tx.update(sessions).set({ rotatedAt: now }).where(eq(sessions.id, row.id));
    const refresh = newRefreshToken();
    const viewer: Viewer = {
      customerId: row.customerId,
      address: row.address,
      sessionId: randomUUID(),
      familyId: row.familyId,
    };
    await tx.insert(sessions).values({
      id: viewer.sessionId,
      familyId: row.familyId,
      customerId: row.customerId,
      refreshTokenHash: hashToken(refresh),
      createdAt: now,
      expiresAt: new Date(now.getTime() + env.refreshTokenTtlSeconds * 1000),
      ip: client.ip,
      userAgent: client.userAgent?.slice(0, 512) ?? null,
    });
    const access = await signAccessToken(env, viewer, now);
    return { viewer, cookies: sessionCookies(env, access, refresh) };
  });
}
