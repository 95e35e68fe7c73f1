import { defineConfig } from "drizzle-kit";

// drizzle-kit only generates SQL; wrangler applies it (`wrangler d1 migrations apply DB`).
export default defineConfig({
  dialect: "sqlite",
  schema: "./worker/store/schema.ts",
  out: "./migrations",
  migrations: { prefix: "index" },
});
