/**
 * The fake STS: AssumeRole, AssumeRoleWithWebIdentity (against registered IAM OIDC providers)
 * and GetCallerIdentity, as form POSTs answered in STS's XML, with STS's validation messages.
 */
import { authenticateSts } from "./auth";
import { B64_CHARS, UPPER_B32, base64, fromUtf8, randomChars } from "./encoding";
import { AwsError } from "./errors";
import { PolicyError, parsePolicy, type IamPolicy } from "./iam";
import { accountOf, type AwsState, type Caller, type IssuedCredentials, type Role, type WebIdentityCall } from "./model";
import type { Incoming } from "./routing";
import { isoSeconds } from "./time";
import { escapeXml, stsError, stsOk } from "./xml";
import { TokenRefused, unverifiedIssuer, verifyIdentityToken } from "../oidc-verifier";

/** Long, and always containing `/`, `+` and `=`, so that callers' URL encoding is exercised. */
function newSessionToken(): string {
  return `IQoJb3JpZ2luX2VjE+P//////////wEaCXVzLWVhc3QtMSJ` + base64(crypto.getRandomValues(new Uint8Array(301)));
}

export async function sts(state: AwsState, inc: Incoming, endpointRegion: string | undefined): Promise<Response> {
  try {
    if (inc.method !== "POST") throw new AwsError(400, "InvalidAction", "fake-aws models STS as form POSTs only");
    const params = new URLSearchParams(fromUtf8.decode(inc.body));
    const action = params.get("Action");
    if (params.get("Version") !== "2011-06-15") {
      throw new AwsError(400, "InvalidAction", `Could not find operation ${action} for version ${params.get("Version")}`);
    }
    // The web identity token is the credential: the call needs no signature.
    if (action === "AssumeRoleWithWebIdentity") return await assumeRoleWithWebIdentity(state, params, inc.headers.has("authorization"));
    const caller = await authenticateSts(state, inc, endpointRegion);
    if (action === "AssumeRole") return assumeRole(state, params, caller);
    if (action === "GetCallerIdentity")
      return stsOk(
        "GetCallerIdentity",
        `<Arn>${escapeXml(caller.arn)}</Arn>\n    <UserId>${escapeXml(caller.userId)}</UserId>\n    <Account>${caller.account}</Account>`,
      );
    throw new AwsError(400, "InvalidAction", `Could not find operation ${action} for version 2011-06-15`);
  } catch (e) {
    if (e instanceof AwsError) return stsError(e);
    throw e;
  }
}

function assumeRole(state: AwsState, p: URLSearchParams, caller: Caller): Response {
  const roleArn = required(p, "RoleArn", "roleArn");
  const sessionName = required(p, "RoleSessionName", "roleSessionName");
  if (!/^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(roleArn)) throw new AwsError(400, "ValidationError", `${roleArn} is invalid`);
  validateLength(sessionName, "roleSessionName", 2, 64);
  validatePattern(sessionName, "roleSessionName", /^[\w+=,.@-]*$/, "[\\w+=,.@-]*");
  const externalId = p.get("ExternalId") ?? undefined;
  if (externalId !== undefined) {
    validateLength(externalId, "externalId", 2, 1224);
    validatePattern(externalId, "externalId", /^[\w+=,.@:/-]*$/, "[\\w+=,.@:\\/-]*");
  }
  const duration = parseDuration(p.get("DurationSeconds"));
  const sessionPolicy = parseSessionPolicy(p.get("Policy"));

  const role = state.roles.get(roleArn);
  const denied = new AwsError(403, "AccessDenied", `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
  // There is no distinct error for a wrong or missing ExternalId: the trust policy simply fails.
  if (!role || !trusts(role, caller) || (role.externalId !== undefined && externalId !== role.externalId)) throw denied;
  if (duration > role.maxSessionDuration)
    throw new AwsError(400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");

  const creds = issueRoleCredentials(state, { roleArn, sessionName, callerArn: caller.arn, externalId, sessionPolicy: sessionPolicy?.policy, duration });
  return stsOk("AssumeRole", assumeRoleResult(state, creds, `${role.roleId}:${sessionName}`, sessionPolicy?.size));
}

/** Temporary credentials for a session of roleArn, remembered so that S3 can verify their signatures. */
function issueRoleCredentials(
  state: AwsState,
  s: { roleArn: string; sessionName: string; callerArn: string; externalId?: string; sessionPolicy?: IssuedCredentials["sessionPolicy"]; duration: number },
): IssuedCredentials {
  const issuedAt = Math.floor(state.now() / 1000) * 1000;
  const roleName = s.roleArn.slice(s.roleArn.lastIndexOf("/") + 1);
  const creds: IssuedCredentials = {
    accessKeyId: newTemporaryKeyId(state),
    secretAccessKey: randomChars(40, B64_CHARS),
    sessionToken: newSessionToken(),
    roleArn: s.roleArn,
    roleSessionName: s.sessionName,
    assumedRoleArn: `arn:${s.roleArn.split(":")[1]}:sts::${accountOf(s.roleArn)}:assumed-role/${roleName}/${s.sessionName}`,
    callerArn: s.callerArn,
    ...(s.externalId === undefined ? {} : { externalId: s.externalId }),
    sessionPolicy: s.sessionPolicy,
    durationSeconds: s.duration,
    issuedAt,
    expiration: issuedAt + s.duration * 1000,
  };
  state.issued.set(creds.accessKeyId, creds);
  return creds;
}

async function assumeRoleWithWebIdentity(state: AwsState, p: URLSearchParams, signed: boolean): Promise<Response> {
  const roleArn = required(p, "RoleArn", "roleArn");
  const sessionName = required(p, "RoleSessionName", "roleSessionName");
  const token = required(p, "WebIdentityToken", "webIdentityToken");
  const call: WebIdentityCall = { token, signed, roleArn, outcome: "pending" };
  state.webIdentityCalls.push(call);
  try {
    if (!/^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(roleArn)) throw new AwsError(400, "ValidationError", `${roleArn} is invalid`);
    validateLength(sessionName, "roleSessionName", 2, 64);
    validatePattern(sessionName, "roleSessionName", /^[\w+=,.@-]*$/, "[\\w+=,.@-]*");
    validateLength(token, "webIdentityToken", 4, 20000);
    const duration = parseDuration(p.get("DurationSeconds"));
    const sessionPolicy = parseSessionPolicy(p.get("Policy"));

    const iss = unverifiedIssuer(token);
    if (!iss) throw new AwsError(400, "InvalidIdentityToken", "Couldn't parse the web identity token");
    const host = iss.replace(/^https?:\/\//, "").replace(/\/+$/, "");
    const providerArn = `arn:${roleArn.split(":")[1]}:iam::${accountOf(roleArn)}:oidc-provider/${host}`;
    const provider = state.oidcProviders.get(providerArn);
    if (!provider) throw new AwsError(400, "InvalidIdentityToken", `No OpenIDConnect provider found in your account for ${iss}`);
    let claims: { sub: string; aud: string | string[] };
    try {
      ({ payload: claims } = await verifyIdentityToken(token, {
        issuer: provider.url,
        audiences: provider.clientIds,
        fetch: provider.fetch,
        now: state.now(),
      }));
    } catch (e) {
      if (!(e instanceof TokenRefused)) throw e;
      call.refusal = e.reason;
      if (e.reason === "idp_unreachable")
        throw new AwsError(400, "IDPCommunicationError", `Couldn't retrieve verification key from your identity provider: ${e.message}`);
      if (e.reason === "expired") throw new AwsError(400, "ExpiredTokenException", "Token expired: current date/time must be before the expiration date/time.");
      if (e.reason === "wrong_audience") throw new AwsError(400, "InvalidIdentityToken", "Incorrect token audience");
      throw new AwsError(400, "InvalidIdentityToken", `Couldn't verify the web identity token (${e.message})`);
    }
    const role = state.roles.get(roleArn);
    const aud = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
    const values: Record<string, unknown> = { [`${host}:aud`]: aud, [`${host}:sub`]: claims.sub };
    const trusted =
      !!role?.webIdentity && role.webIdentity.provider === providerArn && Object.entries(role.webIdentity.conditions).every(([k, v]) => values[k] === v);
    if (!role || !trusted) {
      call.refusal = "trust_policy";
      throw new AwsError(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
    }
    if (duration > role.maxSessionDuration)
      throw new AwsError(400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");

    const creds = issueRoleCredentials(state, { roleArn, sessionName, callerArn: providerArn, sessionPolicy: sessionPolicy?.policy, duration });
    call.outcome = "ok";
    const extra = [
      `<SubjectFromWebIdentityToken>${escapeXml(claims.sub)}</SubjectFromWebIdentityToken>`,
      `<Audience>${escapeXml(String(aud))}</Audience>`,
      `<Provider>${escapeXml(host)}</Provider>`,
    ];
    return stsOk(
      "AssumeRoleWithWebIdentity",
      extra.join("\n    ") + "\n    " + assumeRoleResult(state, creds, `${role.roleId}:${sessionName}`, sessionPolicy?.size),
    );
  } catch (e) {
    if (e instanceof AwsError) call.outcome = e.code;
    throw e;
  }
}

function trusts(role: Role, caller: Caller): boolean {
  const root = `arn:${caller.arn.split(":")[1]}:iam::${caller.account}:root`;
  return role.trustedPrincipals.some((p) => caller.trustArns.includes(p) || p === root || p === caller.account);
}

function newTemporaryKeyId(state: AwsState): string {
  for (;;) {
    const id = "ASIA" + randomChars(16, UPPER_B32);
    if (!state.issued.has(id) && !state.principals.has(id)) return id;
  }
}

function assumeRoleResult(state: AwsState, c: IssuedCredentials, assumedRoleId: string, packedPolicySize: number | undefined): string {
  const expiration = state.quirks.fractionalExpiration ? new Date(c.expiration).toISOString() : isoSeconds(c.expiration);
  // As in the STS API reference sample: the token wrapped over several indented lines.
  const token = state.quirks.wrappedSessionToken
    ? "\n" + (c.sessionToken.match(/.{1,67}/g) ?? []).map((line) => `       ${line}`).join("\n") + "\n      "
    : c.sessionToken;
  return [
    `<AssumedRoleUser>`,
    `      <Arn>${escapeXml(c.assumedRoleArn)}</Arn>`,
    `      <AssumedRoleId>${escapeXml(assumedRoleId)}</AssumedRoleId>`,
    `    </AssumedRoleUser>`,
    `    <Credentials>`,
    `      <AccessKeyId>${c.accessKeyId}</AccessKeyId>`,
    `      <SecretAccessKey>${escapeXml(c.secretAccessKey)}</SecretAccessKey>`,
    `      <SessionToken>${escapeXml(token)}</SessionToken>`,
    `      <Expiration>${expiration}</Expiration>`,
    `    </Credentials>`,
    ...(packedPolicySize === undefined ? [] : [`    <PackedPolicySize>${packedPolicySize}</PackedPolicySize>`]),
  ].join("\n");
}

export function required(p: URLSearchParams, name: string, member: string): string {
  const v = p.get(name);
  if (v === null)
    throw new AwsError(400, "ValidationError", `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`);
  return v;
}

function validateLength(v: string, member: string, min: number, max: number): void {
  if (v.length > max)
    throw new AwsError(
      400,
      "ValidationError",
      `1 validation error detected: Value '${v}' at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
    );
  if (v.length < min)
    throw new AwsError(
      400,
      "ValidationError",
      `1 validation error detected: Value '${v}' at '${member}' failed to satisfy constraint: Member must have length greater than or equal to ${min}`,
    );
}

function validatePattern(v: string, member: string, re: RegExp, shown: string): void {
  if (!re.test(v))
    throw new AwsError(
      400,
      "ValidationError",
      `1 validation error detected: Value '${v}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${shown}`,
    );
}

function parseDuration(raw: string | null): number {
  if (raw === null) return 3600;
  const n = Number(raw);
  if (!/^\d+$/.test(raw)) throw new AwsError(400, "ValidationError", `Value '${raw}' for parameter DurationSeconds is invalid.`);
  if (n < 900)
    throw new AwsError(
      400,
      "ValidationError",
      `1 validation error detected: Value '${raw}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`,
    );
  if (n > 43200)
    throw new AwsError(
      400,
      "ValidationError",
      `1 validation error detected: Value '${raw}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200`,
    );
  return n;
}

function parseSessionPolicy(raw: string | null): { policy: IamPolicy; size: number } | undefined {
  if (raw === null) return undefined;
  const size = Math.ceil((raw.length * 100) / 2048);
  if (raw.length > 2048)
    throw new AwsError(400, "PackedPolicyTooLarge", `Packed policy consumes ${size}% of allotted space, please use smaller policy for this request.`);
  try {
    return { policy: parsePolicy(raw), size };
  } catch (e) {
    if (e instanceof PolicyError) throw new AwsError(400, "MalformedPolicyDocument", e.message);
    throw e;
  }
}
