/**
 * STS over raw SigV4 (aws4fetch): AssumeRole and GetCallerIdentity as form POSTs with
 * Version=2011-06-15. Service and region are always passed explicitly (aws4fetch would
 * otherwise guess them from the host, wrongly for VPC endpoints and emulators).
 * AssumeRoleWithWebIdentity is sent unsigned: the web identity token is the credential.
 */
import { AwsV4Signer } from "aws4fetch";
import { DEFAULT_RETRY, OutboundFailure, fetchWithRetry, retryOnThrottleOr5xx, type RetryPolicy } from "../lib/outbound";
import type { AwsCredentials } from "./sigv4";
import { xmlText } from "./xml";

export interface StsEndpoint {
  /** Origin of the STS endpoint, e.g. https://sts.us-east-1.amazonaws.com */
  endpoint: string;
  region: string;
  retry?: RetryPolicy;
}

export interface StsTarget extends StsEndpoint {
  principal: AwsCredentials;
}

export interface TemporaryCredentials extends AwsCredentials {
  sessionToken: string;
  /** Epoch ms. */
  expiration: number;
}

export interface AssumeRoleParams {
  roleArn: string;
  sessionName: string;
  externalId?: string | null;
  durationSeconds: number;
  /** Session policy (JSON): the session may do at most what this allows. */
  policy?: string | null;
}

/**
 * `denied`: STS answered and refused (AccessDenied, ValidationError, …) — retrying will not help.
 * `unavailable`: throttling, 5xx, timeouts, network errors — try again later.
 */
export class StsError extends Error {
  constructor(
    readonly kind: "denied" | "unavailable",
    readonly awsCode: string,
    message: string,
    readonly httpStatus: number | null,
  ) {
    super(message);
  }
}

// aws4fetch keeps derived signing keys in the cache it is given; share one across calls.
const signingKeyCache = new Map<string, ArrayBuffer>();

/** Web identity errors that say the identity provider (signpost itself) could not be reached: worth another try later. */
const IDP_UNAVAILABLE = new Set(["IDPCommunicationError"]);

async function stsCall(target: StsEndpoint & { principal?: AwsCredentials }, params: Record<string, string>): Promise<string> {
  const url = target.endpoint.replace(/\/+$/, "") + "/";
  const body = new URLSearchParams({ ...params, Version: "2011-06-15" }).toString();
  const headers = { "content-type": "application/x-www-form-urlencoded; charset=utf-8" };
  const principal = target.principal;
  let result: { res: Response; body: string };
  try {
    result = await fetchWithRetry(
      async () => {
        if (!principal) return new Request(url, { method: "POST", headers, body });
        const signer = new AwsV4Signer({
          url,
          method: "POST",
          headers,
          body,
          accessKeyId: principal.accessKeyId,
          secretAccessKey: principal.secretAccessKey,
          sessionToken: principal.sessionToken,
          service: "sts",
          region: target.region,
          cache: signingKeyCache,
        });
        const signed = await signer.sign();
        return new Request(signed.url.toString(), { method: "POST", headers: signed.headers, body });
      },
      retryOnThrottleOr5xx,
      target.retry ?? DEFAULT_RETRY,
    );
  } catch (err) {
    const f = err as OutboundFailure;
    const code = (f.body && xmlText(f.body, "Code")) || (f.status ? `HTTP${f.status}` : "NetworkError");
    throw new StsError("unavailable", code, `STS unavailable: ${f.message}`, f.status);
  }
  const { res, body: xml } = result;
  if (res.ok) return xml;
  const code = xmlText(xml, "Code") ?? `HTTP${res.status}`;
  const message = xmlText(xml, "Message") ?? `STS answered ${res.status}`;
  throw new StsError(IDP_UNAVAILABLE.has(code) ? "unavailable" : "denied", code, message, res.status);
}

export async function assumeRole(target: StsTarget, p: AssumeRoleParams): Promise<TemporaryCredentials> {
  const params: Record<string, string> = {
    Action: "AssumeRole",
    RoleArn: p.roleArn,
    RoleSessionName: p.sessionName,
    DurationSeconds: String(p.durationSeconds),
  };
  if (p.externalId) params.ExternalId = p.externalId;
  if (p.policy) params.Policy = p.policy;
  return parseAssumeRoleResponse(await stsCall(target, params));
}

export interface WebIdentityParams extends AssumeRoleParams {
  /** signpost's OIDC token for this integration; sent to STS and nowhere else. */
  webIdentityToken: string;
}

/** AssumeRoleWithWebIdentity: no AWS keys, the token proves who signpost is acting for. */
export async function assumeRoleWithWebIdentity(target: StsEndpoint, p: WebIdentityParams): Promise<TemporaryCredentials> {
  const params: Record<string, string> = {
    Action: "AssumeRoleWithWebIdentity",
    RoleArn: p.roleArn,
    RoleSessionName: p.sessionName,
    WebIdentityToken: p.webIdentityToken,
    DurationSeconds: String(p.durationSeconds),
  };
  if (p.policy) params.Policy = p.policy;
  return parseAssumeRoleResponse(await stsCall(target, params));
}

export function parseAssumeRoleResponse(xml: string): TemporaryCredentials {
  const accessKeyId = xmlText(xml, "AccessKeyId");
  const secretAccessKey = xmlText(xml, "SecretAccessKey");
  // Documentation samples wrap the token across lines; a real token has no whitespace.
  const sessionToken = xmlText(xml, "SessionToken")?.replace(/\s+/g, "");
  const expiration = Date.parse(xmlText(xml, "Expiration") ?? "");
  if (!accessKeyId || !secretAccessKey || !sessionToken || !Number.isFinite(expiration)) {
    throw new StsError("unavailable", "MalformedResponse", "STS returned an AssumeRole response without usable credentials", 200);
  }
  return { accessKeyId, secretAccessKey, sessionToken, expiration };
}

export interface CallerIdentity {
  arn: string;
  accountId: string;
  userId: string;
}

export async function getCallerIdentity(target: StsTarget): Promise<CallerIdentity> {
  const xml = await stsCall(target, { Action: "GetCallerIdentity" });
  const arn = xmlText(xml, "Arn");
  const accountId = xmlText(xml, "Account");
  if (!arn || !accountId) throw new StsError("unavailable", "MalformedResponse", "STS returned a GetCallerIdentity response without an ARN", 200);
  return { arn, accountId, userId: xmlText(xml, "UserId") ?? "" };
}
