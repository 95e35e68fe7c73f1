/**
 * The AWS validation run (SPEC "Validation checks", names and order fixed). Each check
 * proves one thing against AWS itself and, when it fails, says what to change in AWS.
 * Static-key integrations (aws_keys) run the same list; the role checks are skipped when
 * there is no role to assume. Keyless roles (identity "oidc") assume with signpost's token,
 * and `external_id_enforced` proves that tokens for another integration or another audience
 * are refused.
 */
import type { Env } from "../../env";
import { config, type Config } from "../../config";
import { ApiError } from "../../http/errors";
import { outboundFetch } from "../../lib/outbound";
import { parseRoleArn, type RoleArn } from "../../aws/partition";
import { assumeRole, assumeRoleWithWebIdentity, StsError, type StsTarget, type TemporaryCredentials } from "../../aws/sts";
import { deleteObject, headBucket, listObjectsV2, putObject, S3Error, type S3Context } from "../../aws/s3-api";
import { objectLocation } from "../../aws/s3-location";
import { presignUrl } from "../../aws/s3-signer";
import type { AwsCredentials } from "../../aws/sigv4";
import { assumingPrincipal, isKeyless, stsEndpoint, stsRegionFor, stsTarget, webIdentityHint } from "./credentials";
import { randomId } from "../../store/ids";
import { corsConfiguration, corsConfigurationConsole, oidcProviderCommand, STS_AUDIENCE, trustPolicy, webIdentityTrustPolicy } from "./policies";
import { integrationSubject, mintIntegrationToken } from "../../oidc/issuer";
import { shellQuote } from "../../lib/shell";
import { principalArnOrNull } from "../../integrations/principal";
import type { Integration, IntegrationRow, Scope } from "../../integrations/model";
import { fail, pass, skip, warn, type CheckResult } from "../../validation/checks";
import { browserCorsProblems, corsPassMessage, type CorsProbeTarget } from "../../validation/browser-cors";

export interface AwsValidation {
  checks: CheckResult[];
  /** True when the role can be assumed without (or with a wrong) External ID. */
  externalIdInsecure: boolean;
}

const describeSts = (e: unknown) => (e instanceof StsError ? `${e.awsCode}: ${e.message}` : e instanceof ApiError ? e.message : "unexpected error");
const describeS3 = (e: unknown) => (e instanceof S3Error ? `${e.awsCode}: ${e.message}` : e instanceof ApiError ? e.message : "unexpected error");

export async function validateAws(env: Env, integ: Integration, sampleKey: string | undefined): Promise<AwsValidation> {
  const run = await startRun(env, integ);
  checkRoleArnFormat(run);
  await signpostCredentials(run);
  if (run.hasRole) {
    await checkAssumeRole(run);
    await checkExternalIdEnforced(run);
    await checkSessionDuration(run);
  } else {
    skipRoleChecks(run);
  }
  await checkBucketRegion(run);
  const firstKey = await checkListObjects(run);
  const read = await checkGetObject(run, sampleKey, firstKey);
  await checkCors(run, read);
  await checkPutObject(run);
  return { checks: run.checks, externalIdInsecure: run.insecure };
}

/** What the checks of one run share: the integration, signpost's view of it, and what earlier checks found. */
interface AwsRun {
  env: Env;
  cfg: Config;
  integ: Integration;
  r: IntegrationRow;
  checks: CheckResult[];
  /** Set by external_id_enforced when the role accepts what it must refuse. */
  insecure: boolean;
  hasRole: boolean;
  keyless: boolean;
  principalArn: string | null;
  trustJson: string;
  /** The parsed role ARN, once role_arn_format passed. */
  arn: RoleArn | null;
  /** signpost's credentials that assume the role (aws_keys: the static keys). */
  principal: AwsCredentials | null;
  /** The credentials the S3 checks use: the assumed role's, or the static keys. */
  s3Creds: AwsCredentials | null;
  /** STS region and target for the role's partition. */
  region: string | null;
  target: StsTarget | null;
  canAssume: boolean;
  /** Distinct buckets of the read and write scopes. */
  buckets: string[];
}

async function startRun(env: Env, integ: Integration): Promise<AwsRun> {
  const cfg = config(env);
  const r = integ.row;
  const keyless = isKeyless(integ);
  const principalArn = r.provider === "aws_role" && !keyless ? await principalArnOrNull(env) : null;
  return {
    env,
    cfg,
    integ,
    r,
    checks: [],
    insecure: false,
    hasRole: r.provider === "aws_role" || !!r.roleArn,
    keyless,
    principalArn,
    trustJson: JSON.stringify(keyless ? webIdentityTrustPolicy(r, cfg.oidc) : trustPolicy(r, principalArn)),
    arn: null,
    principal: null,
    s3Creds: null,
    region: null,
    target: null,
    canAssume: false,
    buckets: [...new Set([...integ.scopes, ...integ.writeScopes].map((s) => s.bucket))],
  };
}

/** The real assumption (this integration's External ID or token), or a probe that must be refused. */
async function assume(
  run: AwsRun,
  probe: { externalId?: string | null; subject?: string; audience?: string } | null,
  durationSeconds: number,
): Promise<TemporaryCredentials> {
  const { env, r } = run;
  const sessionName = `signpost-check-${r.id}`.slice(0, 64);
  if (!run.keyless)
    return assumeRole(run.target!, { roleArn: r.roleArn!, sessionName, externalId: probe ? (probe.externalId ?? null) : r.externalId, durationSeconds });
  const webIdentityToken = await mintIntegrationToken(env, r.id, probe?.audience ?? STS_AUDIENCE, { subject: probe?.subject });
  return assumeRoleWithWebIdentity(stsEndpoint(env, run.region!), { roleArn: r.roleArn!, sessionName, durationSeconds, webIdentityToken });
}

function deniedHint(run: AwsRun): string {
  const { env, integ, r, cfg, principalArn, trustJson } = run;
  return run.keyless
    ? `${webIdentityHint(env, integ)} Register the provider once per account: ${oidcProviderCommand(cfg.oidc)}. Paste this trust policy: ${trustJson}`
    : `Set the role's trust policy to allow ${principalArn ?? "signpost's principal"} to call sts:AssumeRole with sts:ExternalId "${r.externalId}". Paste this trust policy: ${trustJson}`;
}

const blocked = (run: AwsRun, name: string) => skip(name, run.hasRole ? "Needs the role to be assumable first." : "Needs working access keys first.");

const s3Context = (run: AwsRun): S3Context => ({
  creds: run.s3Creds!,
  region: run.r.region,
  endpoint: run.r.endpoint ?? run.cfg.s3Endpoint,
  retry: run.cfg.outbound,
});

function checkRoleArnFormat(run: AwsRun): void {
  const { checks, hasRole, r } = run;
  let arn: RoleArn | null = null;
  if (!hasRole) {
    checks.push(skip("role_arn_format", "Static access keys without a role: nothing to assume."));
  } else {
    arn = parseRoleArn(r.roleArn ?? "");
    checks.push(
      arn
        ? pass("role_arn_format", `Role ARN parses: account ${arn.accountId}, role ${arn.roleName}.`)
        : fail(
            "role_arn_format",
            r.roleArn ? "Role ARN is malformed" : "Role ARN is malformed: no role ARN has been set yet",
            "Copy the role's ARN from the IAM console (Roles → your role → ARN); it looks like arn:aws:iam::123456789012:role/signpost-access.",
          ),
    );
  }
  run.arn = arn;
}

/** signpost's own credentials for the run (a failure is reported as assume_role, or list_objects for static keys), then the STS target. */
async function signpostCredentials(run: AwsRun): Promise<void> {
  const { env, integ, checks, cfg, keyless, hasRole, arn, r } = run;
  let principal: AwsCredentials | null = null;
  if (keyless) {
    if (!cfg.oidc) {
      checks.push(
        fail(
          "assume_role",
          `Role cannot be assumed: signpost's OIDC issuer is not configured (${cfg.oidcMissing.join(" and ")} not set).`,
          "The operator sets OIDC_ISSUER and runs `npm run oidc:keygen` (README: Keyless deployment).",
        ),
      );
    }
  } else {
    try {
      principal = await assumingPrincipal(env, integ);
    } catch (e) {
      // signpost's own keys missing: the error's hint names the secrets and the keyless alternative.
      const hint = e instanceof ApiError && e.hint ? e.hint : "Check the access key id and secret access key.";
      checks.push(fail(hasRole ? "assume_role" : "list_objects", `Role cannot be assumed: ${describeSts(e)}`, hint));
    }
  }
  run.principal = principal;
  run.region = arn ? stsRegionFor(env, arn.partition, r.region) : null;
  run.target = run.region && principal ? stsTarget(env, run.region, principal) : null;
  run.canAssume = keyless ? !!run.region && !!cfg.oidc : !!run.target;
}

async function checkAssumeRole(run: AwsRun): Promise<void> {
  const { checks, arn, canAssume, keyless, cfg } = run;
  if (!arn || !canAssume) {
    if (!checks.some((c) => c.name === "assume_role")) checks.push(skip("assume_role", "Needs a valid role ARN."));
  } else {
    try {
      run.s3Creds = await assume(run, null, 900);
      checks.push(
        pass(
          "assume_role",
          keyless
            ? "signpost assumed the role with its OIDC token for this integration (no AWS keys)."
            : "signpost assumed the role with this integration's External ID.",
        ),
      );
    } catch (e) {
      const unavailable = e instanceof StsError && e.kind === "unavailable";
      checks.push(
        fail(
          "assume_role",
          `Role cannot be assumed: ${describeSts(e)}`,
          unavailable
            ? e.awsCode === "IDPCommunicationError"
              ? `AWS STS could not fetch signpost's keys from ${cfg.oidc?.issuer ?? "the issuer"}/.well-known/jwks.json: the issuer must be reachable from the internet over https with a publicly trusted certificate. Run the checks again in a minute.`
              : "AWS STS did not answer; run the checks again in a minute."
            : deniedHint(run),
        ),
      );
    }
  }
}

async function checkExternalIdEnforced(run: AwsRun): Promise<void> {
  const { checks, s3Creds, keyless, principalArn, trustJson, r } = run;
  if (!s3Creds) {
    checks.push(skip("external_id_enforced", "Needs the role to be assumable first."));
  } else if (keyless) {
    // Tokens signpost mints for this check only: one for an integration that does not exist, one for another audience.
    const probes = await Promise.all(
      [{ subject: integrationSubject("check-" + randomId(16)) }, { audience: "signpost-check-wrong-audience" }].map((probe) =>
        assume(run, probe, 900).then(
          () => "assumed" as const,
          (e) => (e instanceof StsError && e.kind === "denied" ? ("denied" as const) : ("unknown" as const)),
        ),
      ),
    );
    if (probes.includes("assumed")) {
      run.insecure = true;
      const which = [
        probes[0] === "assumed" ? "a token for another integration (another sub)" : null,
        probes[1] === "assumed" ? "a token for another audience" : null,
      ]
        .filter(Boolean)
        .join(" and ");
      checks.push(
        fail(
          "external_id_enforced",
          `External ID configured insecurely (keyless): the role accepts ${which}, so other integrations of this signpost could use it. signpost signs nothing for this integration until this is fixed.`,
          deniedHint(run),
        ),
      );
    } else if (probes.includes("unknown")) {
      checks.push(
        warn(
          "external_id_enforced",
          "Could not confirm that the trust policy pins this integration: STS did not answer every probe.",
          "Run the checks again in a minute.",
        ),
      );
    } else {
      checks.push(pass("external_id_enforced", "A token for another integration, and a token for another audience, are both refused."));
    }
  } else {
    const probes = await Promise.all(
      [null, "signpost-wrong-" + randomId(24)].map((eid) =>
        assume(run, { externalId: eid }, 900).then(
          () => "assumed" as const,
          (e) => (e instanceof StsError && e.kind === "denied" ? ("denied" as const) : ("unknown" as const)),
        ),
      ),
    );
    if (probes.includes("assumed")) {
      run.insecure = true;
      checks.push(
        fail(
          "external_id_enforced",
          `External ID configured insecurely: the role can be assumed ${probes[0] === "assumed" ? "without an External ID" : "with a wrong External ID"}, so anyone who learns the role ARN could use it through any vendor that trusts the same principal. signpost signs nothing for this integration until this is fixed.`,
          `Add "Condition": {"StringEquals": {"sts:ExternalId": "${r.externalId}"}} to the statement that trusts ${principalArn ?? "signpost's principal"}. The complete trust policy: ${trustJson}`,
        ),
      );
    } else if (probes.includes("unknown")) {
      checks.push(
        warn(
          "external_id_enforced",
          "Could not confirm that the External ID is required: STS did not answer every probe.",
          "Run the checks again in a minute.",
        ),
      );
    } else {
      checks.push(pass("external_id_enforced", "Assuming the role without the External ID, or with a wrong one, is refused."));
    }
  }
}

async function checkSessionDuration(run: AwsRun): Promise<void> {
  const { checks, s3Creds, r } = run;
  if (!s3Creds) {
    checks.push(skip("session_duration", "Needs the role to be assumable first."));
  } else if (r.sessionDurationSeconds <= 900) {
    checks.push(pass("session_duration", `The role allows ${r.sessionDurationSeconds}-second sessions.`));
  } else {
    try {
      await assume(run, null, r.sessionDurationSeconds);
      checks.push(pass("session_duration", `The role allows ${r.sessionDurationSeconds}-second sessions.`));
    } catch (e) {
      checks.push(
        fail(
          "session_duration",
          `The role does not allow ${r.sessionDurationSeconds}-second sessions: ${describeSts(e)}`,
          `Raise the role's MaxSessionDuration to at least ${r.sessionDurationSeconds} seconds (IAM console → Roles → your role → Edit → Maximum session duration), or lower sessionDurationSeconds.`,
        ),
      );
    }
  }
}

/** Static access keys without a role: the role checks have nothing to prove, and S3 is checked with the keys. */
function skipRoleChecks(run: AwsRun): void {
  const { checks } = run;
  checks.push(skip("assume_role", "Static access keys without a role: nothing to assume."));
  checks.push(skip("external_id_enforced", "Static access keys without a role: no trust policy involved."));
  checks.push(skip("session_duration", "Static access keys do not expire."));
  run.s3Creds = run.principal;
}

async function checkBucketRegion(run: AwsRun): Promise<void> {
  const { checks, s3Creds, buckets, r } = run;
  if (!s3Creds) checks.push(blocked(run, "bucket_region"));
  else if (buckets.length === 0)
    checks.push(skip("bucket_region", "The integration has no scopes, so there is no bucket to check. Add scopes to check regions."));
  else {
    const wrong: string[] = [];
    const problems: string[] = [];
    for (const b of buckets) {
      try {
        const h = await headBucket(s3Context(run), b);
        if (h.status === 404) problems.push(`bucket ${b} does not exist`);
        else if (h.region && h.region !== r.region && !r.endpoint) wrong.push(`${b} is in ${h.region}`);
        else if (!h.region && h.status >= 400) problems.push(`HeadBucket on ${b} answered HTTP ${h.status}`);
      } catch (e) {
        problems.push(`HeadBucket on ${b}: ${describeS3(e)}`);
      }
    }
    if (wrong.length > 0) {
      const real = wrong[0]!.split(" is in ")[1]!;
      checks.push(
        fail(
          "bucket_region",
          `The configured region ${r.region} is wrong: ${wrong.join("; ")}.`,
          `Set the integration's region to ${real} (the bucket's real region).`,
        ),
      );
    } else if (problems.length > 0) {
      checks.push(
        fail(
          "bucket_region",
          `Could not determine the region: ${problems.join("; ")}.`,
          `Check the bucket names in the scopes, and allow s3:ListBucket on ${buckets.map((b) => `arn:aws:s3:::${b}`).join(", ")}.`,
        ),
      );
    } else {
      checks.push(pass("bucket_region", `Every scoped bucket is in ${r.region}.`));
    }
  }
}

/** list_objects (warn only); returns the first key listed, which get_object may read. */
async function checkListObjects(run: AwsRun): Promise<string | undefined> {
  const { checks, s3Creds, integ, hasRole } = run;
  let firstKey: string | undefined;
  const listScope = integ.scopes[0];
  if (!s3Creds) checks.push(blocked(run, "list_objects"));
  else if (!listScope) checks.push(skip("list_objects", "The integration has no scopes: nothing to list. Pass sampleKey to check reads."));
  else {
    try {
      const page = await listObjectsV2(s3Context(run), listScope.bucket, { prefix: listScope.prefix, maxKeys: 20 });
      firstKey = page.objects.find((o) => !o.key.endsWith("/"))?.key;
      checks.push(pass("list_objects", `Listed s3://${listScope.bucket}/${listScope.prefix} (${page.objects.length}${page.nextToken ? "+" : ""} objects).`));
    } catch (e) {
      // Listing is optional, so a missing permission only warns; credentials that S3 does
      // not accept at all are a failure (a "test connection" must not pass with a wrong secret).
      const badCredentials = e instanceof S3Error && ["InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"].includes(e.awsCode);
      if (badCredentials) {
        checks.push(
          fail(
            "list_objects",
            `Cannot list bucket s3://${listScope.bucket}/${listScope.prefix}: ${describeS3(e)}`,
            hasRole
              ? "The temporary credentials were refused; run the checks again."
              : "S3 does not accept these access keys: check the access key id and secret access key (and the endpoint/region for S3-compatible storage).",
          ),
        );
      } else
        checks.push(
          warn(
            "list_objects",
            `Cannot list bucket s3://${listScope.bucket}/${listScope.prefix}: ${describeS3(e)}`,
            `Allow s3:ListBucket on arn:aws:s3:::${listScope.bucket} in the role's permissions policy. Listing is optional: it powers the objects API and lets this check find a sample key.`,
          ),
        );
    }
  }
  return firstKey;
}

/** get_object: sampleKey is a key in the first scope whose prefix it matches; returns the object read. */
async function checkGetObject(run: AwsRun, sampleKey: string | undefined, firstKey: string | undefined): Promise<{ bucket: string; key: string } | null> {
  const { checks, s3Creds, integ, r, cfg } = run;
  const listScope = integ.scopes[0];
  const endpoint = r.endpoint ?? cfg.s3Endpoint;
  let read: { bucket: string; key: string } | null = null;
  if (sampleKey !== undefined) {
    const s = integ.scopes.find((sc) => sampleKey.startsWith(sc.prefix));
    if (s) read = { bucket: s.bucket, key: sampleKey };
  } else if (firstKey !== undefined && listScope) {
    read = { bucket: listScope.bucket, key: firstKey };
  }
  if (!s3Creds) checks.push(blocked(run, "get_object"));
  else if (read) checks.push(await readThroughPresignedUrl(s3Creds, r.region, endpoint, read.bucket, read.key));
  else if (sampleKey !== undefined && integ.scopes.length > 0) {
    checks.push(
      fail(
        "get_object",
        `Cannot read objects: sampleKey "${sampleKey.slice(0, 200)}" is outside the integration's scopes.`,
        "Pass a sampleKey inside one of the scopes.",
      ),
    );
  } else {
    checks.push(
      skip(
        "get_object",
        integ.scopes.length === 0
          ? "The integration has no scopes, so there is no bucket to read from. Add a scope."
          : "No object to read: pass sampleKey (a key inside the scopes), or allow listing.",
      ),
    );
  }
  return read;
}

async function checkCors(run: AwsRun, read: { bucket: string; key: string } | null): Promise<void> {
  const { checks, s3Creds, buckets, integ, cfg, r } = run;
  if (cfg.corsOrigins.length === 0) checks.push(skip("cors", "CORS_ORIGINS is not set: no labeling frontend origins to check."));
  else if (!s3Creds) checks.push(blocked(run, "cors"));
  else if (buckets.length === 0) checks.push(skip("cors", "The integration has no scopes: no bucket to check."));
  else checks.push(await corsProbe(s3Context(run), [...integ.scopes, ...integ.writeScopes], read, cfg.corsOrigins, r));
}

/** put_object: export uploads, only where writes are enabled. */
async function checkPutObject(run: AwsRun): Promise<void> {
  const { checks, s3Creds, integ } = run;
  if (integ.writeScopes.length === 0) checks.push(skip("put_object", "Writes are disabled (no writeScopes)."));
  else if (!s3Creds) checks.push(blocked(run, "put_object"));
  else checks.push(await writeAndDelete(s3Context(run), integ.writeScopes[0]!));
}

/** Proves signing end to end: a presigned GET, exactly as a browser would get it, returns bytes. */
async function readThroughPresignedUrl(creds: AwsCredentials, region: string, endpoint: string | null, bucket: string, key: string): Promise<CheckResult> {
  let res: Response;
  try {
    const loc = objectLocation({ bucket, key, region, endpoint });
    const url = await presignUrl({ creds, region, method: "GET", origin: loc.origin, host: loc.host, path: loc.path, signingTime: Date.now() }, 300);
    res = await outboundFetch(url, { headers: { range: "bytes=0-1023" }, signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    return fail(
      "get_object",
      `Cannot read objects: ${e instanceof ApiError ? e.message : "S3 did not answer"}`,
      "Check the key and try again; if S3 is unreachable, run the checks again later.",
    );
  }
  // Bytes, not text: objects are images and video, and only an error body is XML.
  const bytes = new Uint8Array(await res.arrayBuffer().catch(() => new ArrayBuffer(0)));
  if (res.status === 200 || res.status === 206) {
    const size = /\/(\d+)$/.exec(res.headers.get("content-range") ?? "")?.[1];
    return pass("get_object", `Read ${bytes.byteLength} bytes${size ? ` (of ${size})` : ""} of s3://${bucket}/${key} through a presigned URL.`);
  }
  const body = new TextDecoder().decode(bytes.subarray(0, 64 * 1024));
  const code = /<Code>([^<]+)<\/Code>/.exec(body)?.[1] ?? `HTTP${res.status}`;
  const hint =
    code === "NoSuchKey"
      ? `The object s3://${bucket}/${key} does not exist: pass an existing sampleKey.`
      : code === "AccessDenied"
        ? `Allow s3:GetObject on arn:aws:s3:::${bucket}/* (or the scoped prefix) in the role's permissions policy; if the bucket uses SSE-KMS, also allow kms:Decrypt on its key.`
        : code === "AuthorizationHeaderMalformed" || code === "PermanentRedirect"
          ? "The bucket is in another region: fix the integration's region (see bucket_region)."
          : "Check the bucket policy and the role's permissions for s3:GetObject.";
  return fail("get_object", `Cannot read objects: ${code}`, hint);
}

/** The `cors` check: what browsers send, from the frontends' origins and from `null` (after the redirect). */
async function corsProbe(
  ctx: S3Context,
  scopes: Scope[],
  read: { bucket: string; key: string } | null,
  origins: string[],
  row: IntegrationRow,
): Promise<CheckResult> {
  const buckets = [...new Set(scopes.map((s) => s.bucket))];
  let targets: CorsProbeTarget[];
  try {
    targets = await Promise.all(
      buckets.map(async (bucket) => {
        const key = read?.bucket === bucket ? read.key : `${scopes.find((s) => s.bucket === bucket)!.prefix}.signpost-cors-check`;
        const loc = objectLocation({ bucket, key, region: ctx.region, endpoint: ctx.endpoint });
        const signedUrl = await presignUrl(
          { creds: ctx.creds, region: ctx.region, method: "GET", origin: loc.origin, host: loc.host, path: loc.path, signingTime: Date.now() },
          300,
        );
        return { label: `s3://${bucket}`, objectUrl: `${loc.origin}${loc.path}`, signedUrl };
      }),
    );
  } catch (e) {
    return fail("cors", `Cannot probe the buckets' CORS: ${describeS3(e)}`, "Check the bucket names in the scopes, then run the checks again.");
  }
  let problems: string[];
  try {
    problems = await browserCorsProblems(targets, origins);
  } catch {
    return fail("cors", "S3 did not answer the CORS probes.", "Run the checks again in a minute.");
  }
  if (problems.length === 0) return pass("cors", corsPassMessage(targets, origins));
  const api = JSON.stringify(corsConfiguration(row, origins));
  const consoleShape = JSON.stringify(corsConfigurationConsole(row, origins));
  const commands = buckets.map((b) => `aws s3api put-bucket-cors --bucket ${shellQuote(b)} --cors-configuration ${shellQuote(api)}`).join("\n");
  return fail(
    "cors",
    `CORS is not configured for the labeling frontends: a browser would refuse the bucket's answers: ${problems.join("; ")}.`,
    `Browsers send Origin: null to the bucket after signpost's redirect, so the rules must allow it besides ${origins.join(", ")}. Run:\n${commands}\nor, in the S3 console (bucket → Permissions → Cross-origin resource sharing (CORS) → Edit), paste: ${consoleShape}`,
  );
}

async function writeAndDelete(ctx: S3Context, scope: { bucket: string; prefix: string }): Promise<CheckResult> {
  const key = `${scope.prefix}.signpost-check-${randomId(12)}`;
  try {
    await putObject(ctx, scope.bucket, key, "signpost write check", "text/plain");
  } catch (e) {
    return fail(
      "put_object",
      `Cannot write objects: ${describeS3(e)}`,
      `Allow s3:PutObject on arn:aws:s3:::${scope.bucket}/${scope.prefix}* in the role's permissions policy.`,
    );
  }
  try {
    await deleteObject(ctx, scope.bucket, key);
  } catch (e) {
    return warn(
      "put_object",
      `Wrote s3://${scope.bucket}/${key} but could not delete it: ${describeS3(e)}`,
      `Allow s3:DeleteObject on arn:aws:s3:::${scope.bucket}/${scope.prefix}* or delete the marker object by hand.`,
    );
  }
  return pass("put_object", `Wrote and deleted a marker object under s3://${scope.bucket}/${scope.prefix}.`);
}
