/**
 * Validation of an azure integration. Checks, in order:
 *
 * | name | proves |
 * |---|---|
 * | `tenant` | the integration names a tenant (directory) id and a storage account |
 * | `token` | signpost's app obtains a storage token in the owner's tenant (app consented there; AZURE_CLIENT_ID/SECRET work) |
 * | `delegation_key` | Get User Delegation Key on the account works (Storage Blob Delegator granted) |
 * | `get_object` | a user delegation SAS GET (sampleKey, else a made-up blob: "not found" still proves access) is accepted and read is allowed (Storage Blob Data Reader) |
 * | `cors` | the Blob service answers browser preflights and GETs from every CORS_ORIGINS origin and from `null` (after the redirect) |
 *
 * Nothing is cached: every run asks Azure again. Every failure names the missing role or
 * consent and the command that grants it.
 */
import type { Env } from "../../env";
import { config } from "../../config";
import { azureClientAssertion } from "./keyless";
import { ApiError } from "../../http/errors";
import type { Integration } from "../../integrations/model";
import { SingleFlightCache } from "../../lib/single-flight";
import { getAzureAccessToken, isValidTenantId } from "../../azure/token";
import { DATA_READER_ROLE, DELEGATOR_ROLE, fetchUserDelegationKey } from "../../azure/delegation-key";
import { isValidStorageAccountName, blobUrl } from "../../azure/blob-url";
import { signBlobSasUrl, type UserDelegationKey } from "../../azure/sas";
import { fail, pass, skip, type CheckResult } from "../../validation/checks";
import { CLIENT_ID_PLACEHOLDER, adminConsentUrl, azureConsentCommands, azureCorsCommand, azureDataReaderCommands, azureDelegatorCommand } from "./documents";
import { readSignedUrl, readTarget, type ReadResult } from "../probes";
import { corsCheck } from "../../validation/browser-cors";
import { azureSettings, providerScopes, scopedBuckets } from "../settings";

const describe = (e: unknown) => (e instanceof ApiError ? e.message : "unexpected error");
const unavailable = (e: unknown) => e instanceof ApiError && e.code === "sts_unavailable";

export async function validateAzure(env: Env, integ: Integration, sampleKey: string | undefined): Promise<CheckResult[]> {
  const cfg = config(env);
  const retry = cfg.outbound;
  const { login: authorityHost, blob: blobEndpoint } = cfg.azureEndpoints;
  const checks: CheckResult[] = [];
  const s = azureSettings(integ);
  const clientId = env.AZURE_CLIENT_ID || null;
  const app = clientId ?? CLIENT_ID_PLACEHOLDER;

  // tenant
  const problems: string[] = [];
  if (!s.tenantId || !isValidTenantId(s.tenantId))
    problems.push(s.tenantId ? `"${s.tenantId.slice(0, 64)}" is not a tenant (directory) id` : "no tenant id is set");
  if (!s.accountName || !isValidStorageAccountName(s.accountName))
    problems.push(s.accountName ? `"${s.accountName.slice(0, 64)}" is not a storage account name` : "no storage account name is set");
  const namesOk = problems.length === 0;
  checks.push(
    namesOk
      ? pass("tenant", `Tenant ${s.tenantId}, storage account ${s.accountName}.`)
      : fail(
          "tenant",
          `The integration's Azure names are wrong: ${problems.join("; ")}.`,
          "Set tenantId to the owner's Microsoft Entra tenant id (az account show --query tenantId --output tsv) and accountName to the storage account's name.",
        ),
  );
  const tenantId = s.tenantId!;
  const account = s.accountName!;

  // token
  let token: string | null = null;
  if (!namesOk) checks.push(skip("token", "Needs a tenant id first."));
  else {
    try {
      token = (
        await getAzureAccessToken(env, tenantId, {
          retry,
          tokenCache: new SingleFlightCache(1),
          authorityHost: authorityHost ?? undefined,
          clientAssertion: azureClientAssertion(env),
        })
      ).token;
      checks.push(pass("token", `signpost's app (client id ${app}) obtained a storage token in tenant ${tenantId}.`));
    } catch (e) {
      const consent = e instanceof ApiError && /not consented/.test(e.message);
      checks.push(
        fail(
          "token",
          consent
            ? `signpost's app (client id ${app}) is not consented in tenant ${tenantId}.`
            : `signpost cannot obtain an Azure token in tenant ${tenantId}: ${describe(e)}`,
          consent
            ? `A tenant administrator consents it at ${adminConsentUrl(tenantId, clientId)} — or runs:\n${azureConsentCommands(tenantId, app)}`
            : unavailable(e)
              ? "The Microsoft identity platform did not answer; run the checks again in a minute."
              : (e instanceof ApiError && e.hint) || "Check the tenant id stored in the integration.",
        ),
      );
    }
  }

  // delegation_key
  let key: UserDelegationKey | null = null;
  if (!token) checks.push(skip("delegation_key", "Needs an Azure token first."));
  else {
    const now = Date.now();
    try {
      key = await fetchUserDelegationKey(
        { accessToken: token, account, startsOn: now - 5 * 60_000, expiresOn: now + 3600_000, tenantId, clientId: clientId ?? undefined },
        { retry, blobEndpoint },
      );
      checks.push(pass("delegation_key", `signpost got a user delegation key for ${account} (${DELEGATOR_ROLE} is granted).`));
    } catch (e) {
      const noRole = e instanceof ApiError && e.message.includes(DELEGATOR_ROLE);
      checks.push(
        fail(
          "delegation_key",
          noRole
            ? `signpost's app (client id ${app}) lacks ${DELEGATOR_ROLE} on the storage account ${account}, so it cannot get a user delegation key.`
            : `Cannot get a user delegation key for ${account}: ${describe(e)}`,
          noRole
            ? `Assign signpost's app the role ${DELEGATOR_ROLE} on the storage account:\n${azureDelegatorCommand(account, app)}`
            : unavailable(e)
              ? `Azure Blob Storage did not answer for ${account}: check that the storage account name is right (https://${account}.blob.core.windows.net must exist), then run the checks again.`
              : (e instanceof ApiError && e.hint) || "Check the storage account name and its network rules.",
        ),
      );
    }
  }

  // get_object
  const scopes = providerScopes(integ);
  const read = readTarget(scopes, sampleKey);
  let readUrl: string | null = null;
  if (!key) checks.push(skip("get_object", "Needs a user delegation key first."));
  else if (!read) {
    checks.push(
      sampleKey !== undefined && scopes.length > 0
        ? fail(
            "get_object",
            `Cannot read blobs: sampleKey "${sampleKey.slice(0, 200)}" is outside the integration's containers.`,
            "Pass a sampleKey inside one of the scoped containers (and prefixes).",
          )
        : skip("get_object", "The integration names no container, so there is nothing to read from. Add a container to its scopes."),
    );
  } else {
    const got = await checkGetObject(key, account, app, read, blobEndpoint);
    checks.push(got.check);
    readUrl = got.signedUrl;
  }

  // cors
  const containers = scopedBuckets(integ);
  if (cfg.corsOrigins.length === 0) checks.push(skip("cors", "CORS_ORIGINS is not set: no labeling frontend origins to check."));
  else if (!namesOk) checks.push(skip("cors", "Needs a storage account name first."));
  else if (containers.length === 0) checks.push(skip("cors", "The integration names no container: no blob URL to check."));
  else {
    // CORS is a property of the account's Blob service: one container tells for all.
    const c = read && readUrl && containers.includes(read.bucket) ? read.bucket : containers[0]!;
    const targets = [
      {
        label: `the Blob service of ${account}`,
        objectUrl: blobUrl(account, c, ".signpost-cors-check", blobEndpoint),
        signedUrl: read?.bucket === c ? readUrl : null,
      },
    ];
    checks.push(
      await corsCheck(targets, cfg.corsOrigins, {
        refused: "the Blob service's answers",
        fix: `Browsers send Origin: null to the storage account after signpost's redirect, so the rule must allow it besides ${cfg.corsOrigins.join(", ")}. Add a Blob service CORS rule (portal: storage account → Resource sharing (CORS) → Blob service), or run:\n${azureCorsCommand(account, cfg.corsOrigins)}`,
        noAnswer: `Azure Blob Storage (${account}) did not answer the CORS probes.`,
      }),
    );
  }
  return checks;
}

/** The get_object check, and the SAS URL it read (the `cors` check GETs it again with an Origin). */
async function checkGetObject(
  key: UserDelegationKey,
  account: string,
  app: string,
  t: { bucket: string; key: string; probe: boolean },
  blobEndpoint: string | null,
): Promise<{ check: CheckResult; signedUrl: string | null }> {
  let signedUrl: string | null = null;
  let res;
  try {
    signedUrl = (await signBlobSasUrl(key, { account, container: t.bucket, blob: t.key, signingTime: Date.now(), expiresSeconds: 300, blobEndpoint })).url;
    res = await readSignedUrl(signedUrl);
  } catch (e) {
    return {
      check: fail(
        "get_object",
        `Cannot read blobs: ${e instanceof ApiError ? e.message : "Azure Blob Storage did not answer"}`,
        "Check the container and blob name; if Azure is unreachable, run the checks again later.",
      ),
      signedUrl,
    };
  }
  return { check: readResult(res, account, app, t), signedUrl };
}

function readResult(res: ReadResult, account: string, app: string, t: { bucket: string; key: string; probe: boolean }): CheckResult {
  const name = `az://${account}/${t.bucket}/${t.key.slice(0, 200)}`;
  if (res.status === 200 || res.status === 206) return pass("get_object", `Read ${res.bytes} bytes of ${name} through a user delegation SAS.`);
  if (res.status === 404 && res.code === "BlobNotFound" && t.probe) {
    return pass(
      "get_object",
      `A user delegation SAS for the container ${t.bucket} was accepted and signpost's app may read its blobs (the made-up blob ${name} does not exist, as expected). Pass sampleKey to read a real blob.`,
    );
  }
  if (res.code === "ContainerNotFound")
    return fail(
      "get_object",
      `Cannot read blobs: the container ${t.bucket} does not exist in ${account}.`,
      "Check the container names in the integration's scopes.",
    );
  if (res.code === "BlobNotFound") return fail("get_object", `Cannot read blobs: ${name} does not exist.`, "Pass an existing sampleKey.");
  if (res.status === 403 && res.code === "AuthorizationPermissionMismatch") {
    return fail(
      "get_object",
      `Cannot read blobs: signpost's app (client id ${app}) lacks ${DATA_READER_ROLE} on the container ${t.bucket}.`,
      `Assign signpost's app the role ${DATA_READER_ROLE} on the container:\n${azureDataReaderCommands(account, app, [t.bucket])}`,
    );
  }
  return fail(
    "get_object",
    `Cannot read blobs: Azure Blob Storage answered HTTP ${res.status}${res.code ? ` ${res.code}` : ""}.`,
    res.code === "AuthenticationFailed"
      ? "Azure refused the SAS signature: check signpost's clock, then run the checks again."
      : "Check the storage account's firewall and network rules.",
  );
}
