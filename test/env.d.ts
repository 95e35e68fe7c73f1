declare namespace Cloudflare {
  interface Env {
    DB: D1Database;
    CREDENTIALS: KVNamespace;
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    [key: string]: unknown;
  }
}
