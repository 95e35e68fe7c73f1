/**
 * The admin page's script and stylesheet are built from admin/client/*.ts and admin/styles.css
 * by `npm run build:admin` and committed (admin/generated/): the committed files are what the
 * build writes now.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CLIENT_PATH, STYLES_PATH, clientModule, stylesModule } from "../../scripts/build-admin";

describe("the admin page bundle", () => {
  it("is what `npm run build:admin` builds from the sources now (no drift)", async () => {
    expect(await clientModule(), "admin/generated/client-script.ts is stale: run npm run build:admin").toBe(readFileSync(CLIENT_PATH, "utf8"));
    expect(await stylesModule(), "admin/generated/styles.ts is stale: run npm run build:admin").toBe(readFileSync(STYLES_PATH, "utf8"));
  });
});
