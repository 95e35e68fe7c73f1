/**
 * A local fake of AWS STS and S3 for signpost's tests and for `npm start`.
 *
 * Every request is authenticated the way AWS does it, and every SigV4 signature is checked
 * by recomputing it with an independent implementation (`@smithy/signature-v4`), never with
 * signpost's own signer. The fake is strict where real AWS is strict and in a few places
 * stricter (non-canonical percent-encoding is rejected outright), so signing bugs surface
 * as test failures instead of production incidents.
 *
 * `FakeAws` keeps the state and routes each request; the services live beside it:
 * `sts.ts`, `s3.ts` (+ `s3-list.ts`), `cors.ts`, `auth.ts` (SigV4 verification, callers),
 * `faults.ts`, `routing.ts` (which service and operation), `iam.ts` (policy evaluation).
 *
 * Pure Web APIs (Request/Response/crypto): it runs inside workerd and in Node 22.
 */
import { UPPER_B32, randomChars } from "./encoding";
import { injectFault } from "./faults";
import { parsePolicy } from "./iam";
import type {
  AwsState,
  Bucket,
  BucketInit,
  CallRecord,
  CorsRule,
  FaultKind,
  HandleOptions,
  IssuedCredentials,
  ObjectBody,
  OidcProviderInit,
  Principal,
  PrincipalInit,
  Quirks,
  Role,
  RoleInit,
  Service,
  StoredObject,
  WebIdentityCall,
} from "./model";
import { incoming, peekAccessKeyId, route, s3Action, stsAction } from "./routing";
import { s3, storeObject } from "./s3";
import { sts } from "./sts";

export type * from "./model";
export { FakeNetworkError } from "./errors";
export { rfc3986 } from "./encoding";
export { escapeXml } from "./xml";
export { applySeed, seedObject } from "./seed";

export class FakeAws implements AwsState {
  /** The fake's clock (epoch ms). Tests may replace it. */
  now: () => number = () => Date.now();
  /** STS response format variations seen in the wild. */
  quirks: Quirks = {};
  /** Every request handled, in order. */
  calls: CallRecord[] = [];
  /** Temporary credentials issued by AssumeRole, by access key id. */
  issued = new Map<string, IssuedCredentials>();

  /** Every AssumeRoleWithWebIdentity call, in order. */
  webIdentityCalls: WebIdentityCall[] = [];

  // Read and changed by the services (sts.ts, s3.ts, auth.ts); tests use the methods below.
  readonly principals = new Map<string, Principal>();
  readonly oidcProviders = new Map<string, OidcProviderInit>();
  readonly roles = new Map<string, Role>();
  readonly buckets = new Map<string, Bucket>();
  private endpoints = new Set<string>();
  private faults: Record<Service, FaultKind[]> = { sts: [], s3: [] };

  // ---- state --------------------------------------------------------------------------

  addPrincipal(p: PrincipalInit): void {
    if (this.principals.has(p.accessKeyId) || this.issued.has(p.accessKeyId)) throw new Error(`fake-aws: duplicate access key ${p.accessKeyId}`);
    const policy = p.policy === undefined ? undefined : parsePolicy(p.policy);
    this.principals.set(p.accessKeyId, { ...p, policy, userId: "AIDA" + randomChars(17, UPPER_B32) });
  }

  addRole(r: RoleInit): void {
    if (!/^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/.+$/.test(r.arn)) throw new Error(`fake-aws: malformed role ARN ${r.arn}`);
    const max = r.maxSessionDuration ?? 3600;
    if (!Number.isInteger(max) || max < 3600 || max > 43200) throw new Error("fake-aws: maxSessionDuration must be 3600..43200");
    this.roles.set(r.arn, {
      arn: r.arn,
      roleId: "AROA" + randomChars(17, UPPER_B32),
      trustedPrincipals: [...r.trustedPrincipals],
      webIdentity: r.webIdentity,
      externalId: r.externalId,
      maxSessionDuration: max,
      policy: parsePolicy(r.policy),
    });
  }

  /** Registers an IAM OIDC provider; returns its ARN (what a trust policy names as Federated). */
  addOidcProvider(p: OidcProviderInit): string {
    const arn = `arn:aws:iam::${p.account}:oidc-provider/${p.url.replace(/^https?:\/\//, "").replace(/\/+$/, "")}`;
    this.oidcProviders.set(arn, { ...p, clientIds: [...p.clientIds] });
    return arn;
  }

  addBucket(b: BucketInit): void {
    if (this.buckets.has(b.name)) throw new Error(`fake-aws: duplicate bucket ${b.name}`);
    this.buckets.set(b.name, { name: b.name, region: b.region, cors: b.cors, objects: new Map() });
    for (const [key, init] of Object.entries(b.objects ?? {})) {
      const { body, contentType, kmsKeyArn } =
        typeof init === "string" || init instanceof Uint8Array ? { body: init, contentType: undefined, kmsKeyArn: undefined } : init;
      this.putObject(b.name, key, body, contentType);
      if (kmsKeyArn) this.getObject(b.name, key)!.kmsKeyArn = kmsKeyArn;
    }
  }

  /** Replaces the bucket's CORS rules, as PutBucketCors does; an empty list removes them. */
  setBucketCors(bucket: string, rules: CorsRule[]): void {
    const b = this.buckets.get(bucket);
    if (!b) throw new Error(`fake-aws: no bucket ${bucket}`);
    b.cors = rules.length > 0 ? rules : undefined;
  }

  putObject(bucket: string, key: string, body: ObjectBody, contentType = "binary/octet-stream"): void {
    const b = this.buckets.get(bucket);
    if (!b) throw new Error(`fake-aws: no bucket ${bucket}`);
    storeObject(b, key, body, this.now(), contentType);
  }

  getObject(bucket: string, key: string): StoredObject | undefined {
    return this.buckets.get(bucket)?.objects.get(key);
  }

  /** An S3-compatible endpoint (path-style), e.g. `https://minio.test` or `http://127.0.0.1:9000`. */
  addEndpoint(origin: string): void {
    this.endpoints.add(new URL(origin).origin);
  }

  hasEndpoint(origin: string): boolean {
    return this.endpoints.has(origin);
  }

  /** The next `n` requests to `service` fail this way (after being recorded in `calls`). */
  failNext(service: Service, n: number, kind: FaultKind): void {
    for (let i = 0; i < n; i++) this.faults[service].push(kind);
  }

  count(action: string): number {
    return this.calls.filter((c) => c.action === action).length;
  }

  /** Forget everything (principals, roles, buckets, endpoints, calls, issued keys, faults, quirks). */
  reset(): void {
    this.principals.clear();
    this.oidcProviders.clear();
    this.webIdentityCalls = [];
    this.roles.clear();
    this.buckets.clear();
    this.endpoints.clear();
    this.issued.clear();
    this.calls = [];
    this.faults = { sts: [], s3: [] };
    this.quirks = {};
  }

  // ---- entry point ----------------------------------------------------------------------

  async handle(req: Request, opts: HandleOptions = {}): Promise<Response> {
    const inc = await incoming(req);
    const target = route(inc, opts.customEndpoint === true || this.endpoints.has(inc.url.origin));
    if (!target) throw new Error(`fake-aws: no AWS service is modelled at ${inc.url.origin}`);
    const call: CallRecord = {
      service: target.service,
      action: target.service === "sts" ? stsAction(inc) : s3Action(inc, target),
      status: 0,
      accessKeyId: peekAccessKeyId(inc),
      host: inc.host,
      path: inc.rawPath,
    };
    this.calls.push(call);
    const fault = this.faults[target.service].shift();
    if (fault !== undefined) {
      call.fault = typeof fault === "string" ? fault : `delay ${fault.delayMs}ms`;
      const answer = await injectFault(fault, target.service, inc);
      if (answer) {
        call.status = answer.status;
        return answer;
      }
    }
    const res = target.service === "sts" ? await sts(this, inc, target.region) : await s3(this, inc, target, call.action);
    call.status = res.status;
    return res;
  }
}
