import { defineConfig } from "drizzle-kit";

// drizzle-kit generates SQL migrations from db/schema; the same files are applied to
// PostgreSQL and to embedded PGlite. db:studio/db:push talk to DATABASE_URL.
// Run push/studio through `npm run db:push` / `db:studio`, which refuse while the embedded
// database is open in another process.
const databaseUrl = process.env.DATABASE_URL;

export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema/index.ts",
  out: process.env.DRIZZLE_OUT ?? "./db/migrations",
  casing: "snake_case",
  ...(databaseUrl
    ? { dbCredentials: { url: databaseUrl } }
    : { driver: "pglite", dbCredentials: { url: `${process.env.DATA_DIR ?? "./data"}/pglite` } }),
  strict: true,
  verbose: true,
});
