// The built app over real HTTP: health, request ids, the shell, theme cookie, 404s, assets.
import { readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "#db/client.ts";
import { startTestApp, type TestApp } from "#tests/support/app.ts";
import { withTestDatabase } from "#tests/support/database.ts";

const database = withTestDatabase();
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ database: database.current.handle });
});
afterAll(async () => {
  await app?.close();
});

describe("GET /health", () => {
  it("is 200 JSON with the database status", async () => {
    const response = await fetch(`${app.baseUrl}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/application\/json/);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = await response.json();
    expect(body).toMatchObject({ status: "ok", database: { status: "ok", kind: "postgres" } });
  });

  it("is 503 when the database is unreachable", async () => {
    // Port 9 (discard) on loopback: nothing listens, connections are refused at once.
    const unreachable = await openDatabase({ url: "postgres://postgres@127.0.0.1:9/none", poolMax: 1 });
    const broken = await startTestApp({ database: unreachable });
    try {
      const response = await fetch(`${broken.baseUrl}/health`);
      expect(response.status).toBe(503);
      const body = await response.json();
      expect(body).toMatchObject({ status: "error", database: { status: "unreachable" } });
      expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1:9/);
    } finally {
      await broken.close();
      await unreachable.close();
    }
  });
});

describe("request ids", () => {
  it("gives every response an id, keeping a well-formed one from the edge", async () => {
    const generated = await fetch(`${app.baseUrl}/health`);
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await fetch(`${app.baseUrl}/health`, { headers: { "x-request-id": "edge-req-12345678" } });
    expect(kept.headers.get("x-request-id")).toBe("edge-req-12345678");
    const replaced = await fetch(`${app.baseUrl}/health`, { headers: { "x-request-id": "bad id<script>" } });
    expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("the shell", () => {
  it("server-renders the header, every sidebar section and the demo banner", async () => {
    const response = await fetch(`${app.baseUrl}/dashboard`);
    expect(response.status).toBe(200);
    const html = await response.text();
    for (const href of [
      "/dashboard",
      "/services/seal",
      "/services/grpc",
      "/services/graphql",
      "/billing",
      "/activity",
      "/support",
    ]) {
      expect(html).toContain(`href="${href}"`);
    }
    expect(html).toContain("Demo mode");
    expect(html).toContain('data-theme="system"');
    expect(html).toContain("Connect wallet");
  });

  it.each([
    "/",
    "/dashboard",
    "/services/seal",
    "/services/grpc",
    "/services/graphql",
    "/billing",
    "/settings/spending-limit",
    "/activity",
    "/support",
    "/login",
  ])("serves %s", async (pathname) => {
    const response = await fetch(`${app.baseUrl}${pathname}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Suiftly");
  });

  it("answers unknown paths with a 404 page inside the shell", async () => {
    const response = await fetch(`${app.baseUrl}/no/such/page`);
    expect(response.status).toBe(404);
    const html = await response.text();
    expect(html).toContain("Page not found");
    expect(html).toContain('href="/services/seal"');
  });

  it("sends a visitor who opens an invoice to sign in first", async () => {
    const response = await fetch(`${app.baseUrl}/billing/invoices/1`, { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/login?redirectTo=%2Fbilling%2Finvoices%2F1");
  });
});

describe("theme", () => {
  it("stores the choice in a cookie and renders it on the server", async () => {
    const response = await fetch(`${app.baseUrl}/theme`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: app.baseUrl },
      body: "theme=dark&redirectTo=%2Fbilling",
    });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/billing");
    const cookie = response.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^theme=dark; Path=\/; Max-Age=31536000; SameSite=Lax$/);
    const page = await fetch(`${app.baseUrl}/billing`, { headers: { cookie: "theme=dark" } });
    expect(await page.text()).toContain('data-theme="dark"');
  });

  it("refuses an unknown theme with 400 and sets nothing", async () => {
    const response = await fetch(`${app.baseUrl}/theme`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: app.baseUrl },
      body: "theme=neon",
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  it("never redirects off-site", async () => {
    const response = await fetch(`${app.baseUrl}/theme`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: app.baseUrl },
      body: "theme=light&redirectTo=%2F%2Fevil.example",
    });
    expect(response.headers.get("location")).toBe("/");
  });
});

describe("static assets", () => {
  it("serves fingerprinted assets immutable for a year, other files briefly", async () => {
    const assets = readdirSync(path.resolve("build/client/assets"));
    const script = assets.find((name) => name.endsWith(".js"));
    const asset = await fetch(`${app.baseUrl}/assets/${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const favicon = await fetch(`${app.baseUrl}/favicon.svg`);
    expect(favicon.headers.get("cache-control")).toBe("public, max-age=3600");
    const missing = await fetch(`${app.baseUrl}/assets/nope-123.js`);
    expect(missing.status).toBe(404);
  });
});
