/**
 * Every command and script signpost generates for owners to paste keeps each value one shell
 * word, whatever it holds: the scripts are run by a real bash (with gcloud and az replaced by
 * functions that record their arguments) with hostile values in every field, and each value
 * must arrive as exactly the argument it was meant to be, with no command of its own run.
 * The input validation refuses these values before they are stored (test/security/input-shapes.test.ts);
 * this is the second line.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Env } from "../../worker/env";
import type { IntegrationRow } from "../../worker/integrations/model";
import { gcsCorsCommands, gcsDocuments, gcsObjectViewerCommand, gcsTokenCreatorCommand } from "../../worker/providers/gcs/documents";
import { azureConsentCommands, azureCorsCommand, azureDataReaderCommands, azureDelegatorCommand, azureDocuments } from "../../worker/providers/azure/documents";
import { shellComment, shellQuote } from "../../worker/lib/shell";

const HOSTILE = [
  "a;touch PWNED-semicolon",
  "a|touch PWNED-pipe",
  "$(touch PWNED-dollar)",
  "`touch PWNED-backtick`",
  "it's \"quoted\" 'twice'",
  "a\ntouch PWNED-newline",
  "a\r\ntouch PWNED-crlf",
  "${IFS}touch${IFS}PWNED-ifs",
  "a&&touch PWNED-and",
  "a>PWNED-redirect",
  "a b\tc *",
  "~root",
  "-rf",
];

const work = mkdtempSync(join(tmpdir(), "signpost-shell-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ACCOUNT_ID = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/acct";
const STUBS = `
record() { local a; printf '%s' "$1" >&3; shift; for a in "$@"; do printf '\\037%s' "$a" >&3; done; printf '\\036' >&3; }
gcloud() { record gcloud "$@"; }
az() { record az "$@"; if [ "$1 $2 $3" = "storage account show" ]; then printf '%s\\n' '${ACCOUNT_ID}'; fi; }
`;

/** Runs a script in a fresh directory; returns each gcloud/az call as its argument list. */
function run(script: string): string[][] {
  const dir = mkdtempSync(join(work, "run-"));
  const log = join(dir, "calls.log");
  execFileSync("/bin/bash", ["-c", `${STUBS}\nexec 3>${shellQuote(log)}\n${script}`], { cwd: dir, timeout: 10_000, stdio: ["ignore", "ignore", "pipe"] });
  const pwned = readdirSync(dir).filter((f) => f.includes("PWNED"));
  expect(pwned, `a value ran a command:\n${script}`).toEqual([]);
  expect(existsSync(join(dir, "PWNED-semicolon"))).toBe(false);
  const text = readFileSync(log, "utf8");
  return text
    .split("\x1e")
    .filter((c) => c !== "")
    .map((c) => c.split("\x1f"));
}

/** Some argument is exactly `word`, alone or as the value of a `--flag=word` argument. */
function expectArg(calls: string[][], word: string) {
  const all = calls.flat();
  const found = all.some((a) => a === word || (/^--[a-z-]+=/.exec(a)?.[0].length === a.length - word.length && a.endsWith(word)));
  expect(found, `no argument is exactly ${JSON.stringify(word)} in ${JSON.stringify(all)}`).toBe(true);
}

const env = (vars: Partial<Record<keyof Env, string>> = {}) => ({ CORS_ORIGINS: "https://label.example.com", ...vars }) as unknown as Env;

function row(provider: "gcs" | "azure", settings: Record<string, unknown>, scopes: string[]): IntegrationRow {
  return {
    id: "int_test",
    name: "hostile",
    provider,
    roleArn: null,
    externalId: null,
    accessKeyId: null,
    secretAccessKeyEnc: null,
    region: "us-east-1",
    endpoint: null,
    scopes: JSON.stringify(scopes),
    ipAllowlist: "[]",
    writeScopes: "[]",
    urlTtlSeconds: null,
    sessionDurationSeconds: 3600,
    requireSignedLinks: false,
    isDefault: null,
    status: "unchecked",
    externalIdInsecure: false,
    settings: JSON.stringify(settings),
    lastCheckedAt: null,
    lastUsedAt: null,
    createdAt: 0,
    updatedAt: 0,
  } as IntegrationRow;
}

describe("shell quoting of generated commands", () => {
  it("shellQuote round-trips every hostile value through bash as one word", () => {
    for (const v of HOSTILE) expect(run(`gcloud ${shellQuote(v)}`)).toEqual([["gcloud", v]]);
  });

  it("a comment stays one line", () => {
    for (const v of HOSTILE) expect(run(`${shellComment(`note ${v}`)}\ngcloud ok`)).toEqual([["gcloud", "ok"]]);
  });

  it("gcloud setup commands: the service account, bucket and prefix stay single words", () => {
    for (const v of HOSTILE) {
      const email = `${v}@owner-proj.iam.gserviceaccount.com`;
      const docs = gcsDocuments(env(), row("gcs", { serviceAccountEmail: email }, [`${v.replace(/\//g, "")}/${v}/`]));
      const calls = run(docs.setupCommands);
      const bucket = v.replace(/\//g, "");
      expect(calls[0]!.slice(0, 4)).toEqual(["gcloud", "iam", "service-accounts", "create"]);
      expect(calls[0]![4]).toBe(v);
      expectArg(calls, `gs://${bucket}`);
      expectArg(calls, `serviceAccount:${email}`);
      expectArg(calls, email);
      // Every call is one of the commands the script means to run.
      expect(calls.map((c) => c.slice(0, 3).join(" "))).toEqual([
        "gcloud iam service-accounts",
        "gcloud storage buckets",
        "gcloud iam service-accounts",
        "gcloud storage buckets",
      ]);
    }
  });

  it("gcloud hint commands", () => {
    for (const v of HOSTILE) {
      expectArg(run(gcsTokenCreatorCommand(v, v)), `serviceAccount:${v}`);
      expectArg(run(gcsTokenCreatorCommand(v, v)), v);
      expectArg(run(gcsObjectViewerCommand(v, v)), `gs://${v}`);
      expectArg(run(gcsCorsCommands([v], ["https://label.example.com"])), `gs://${v}`);
    }
  });

  it("az setup commands: tenant, account, containers and client id stay single words", () => {
    for (const v of HOSTILE) {
      const docs = azureDocuments(env({ AZURE_CLIENT_ID: v }), row("azure", { tenantId: v, accountName: v, containers: [v] }, []));
      const calls = run(docs.setupCommands);
      expectArg(calls, v);
      expectArg(calls, `${ACCOUNT_ID}/blobServices/default/containers/${v}`);
      expect(calls.every((c) => c[0] === "az")).toBe(true);
      const login = calls.find((c) => c[1] === "login")!;
      expect(login).toEqual(["az", "login", "--tenant", v]);
      const show = calls.find((c) => c[1] === "storage" && c[2] === "account")!;
      expect(show.slice(0, 5)).toEqual(["az", "storage", "account", "show", "--name"]);
      expect(show[5]).toBe(v);
    }
  });

  it("az hint commands", () => {
    for (const v of HOSTILE) {
      expectArg(run(azureDelegatorCommand(v, v)), v);
      expectArg(run(azureDataReaderCommands(v, v, [v])), `${ACCOUNT_ID}/blobServices/default/containers/${v}`);
      const cors = run(azureCorsCommand(v, [v, "https://label.example.com"]));
      expect(cors[0]!.slice(0, 5)).toEqual(["az", "storage", "cors", "add", "--account-name"]);
      expect(cors[0]![5]).toBe(v);
      expectArg(cors, v);
      expect(run(azureConsentCommands(v, v))).toEqual([
        ["az", "login", "--tenant", v],
        ["az", "ad", "sp", "create", "--id", v],
      ]);
    }
  });
});
