import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Two projects:
//  - "workers": every test/**/*.test.ts file runs inside workerd with its own D1 and KV
//    storage. Secrets are fixed test values; AWS is never reached (see scripts/fakes/aws/).
//  - "node": test/node/** runs in Node: the local stack (wrangler dev + fake cloud on
//    loopback) driven by real HTTP clients and a real browser; test/architecture/** reads
//    the source tree from disk.
export default defineConfig({
  test: {
    // The Worker's one-line-per-request log (worker/ops/request-log.ts) would drown the output.
    onConsoleLog: (log) => !log.includes('{"type":"request"'),
    projects: [
      {
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: await readD1Migrations(fileURLToPath(new URL("./migrations", import.meta.url))),
                AWS_ACCESS_KEY_ID: "AKIASIGNPOSTTEST0001",
                AWS_SECRET_ACCESS_KEY: "signpost/test/secret/key/0000000000000000",
                ADMIN_TOKEN: "test-admin-token-0123456789abcdef",
                ENCRYPTION_KEY: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                LINK_SIGNING_KEY: "test-link-signing-key",
                STS_REGION: "us-east-1",
                ALLOWED_IPS: "",
                DEFAULT_URL_TTL: "900",
                CORS_ORIGINS: "https://label.example.com",
                // signpost's Azure app as the fake identity platform knows it (scripts/fakes/azure.ts).
                // GCP_SERVICE_ACCOUNT_KEY is not here: tests get one from the fake Google at run
                // time (test/providers/world.ts), so no private key is committed.
                AZURE_CLIENT_ID: "5f0c3d52-7a6b-4c1e-9d2a-3b8e6f1a0c47",
                AZURE_CLIENT_SECRET: "test-azure-client-secret~0123456789",
              },
            },
          })),
        ],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          exclude: ["test/node/**", "test/architecture/**", "node_modules/**"],
          setupFiles: ["./test/setup/apply-migrations.ts"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "node",
          environment: "node",
          include: ["test/node/**/*.test.ts", "test/architecture/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
