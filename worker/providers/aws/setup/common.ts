/** What every generated setup file shares: the values of one integration, read once. */
import type { Env } from "../../../env";
import { config } from "../../../config";
import type { IntegrationRow } from "../../../integrations/model";
import { corsConfiguration, permissionsPolicy, STS_AUDIENCE, trustPolicy, webIdentityTrustPolicy } from "../policies";
import { principalArnOrNull } from "../../../integrations/principal";
import { suggestedRoleName } from "../../../integrations/owner";
import { parseScope } from "../../../integrations/model";
import { bucketArn, scopeObjectArn } from "../../../aws/session-policy";
import { parseRoleArn, partitionOfRegion } from "../../../aws/partition";

export interface AwsSetup {
  integrationId: string;
  name: string;
  roleName: string;
  externalId: string;
  /** null when STS was unreachable: the scripts then refuse to run rather than guess. */
  principalArn: string | null;
  sessionDurationSeconds: number;
  buckets: string[];
  objectArns: string[];
  bucketArns: string[];
  writeObjectArns: string[];
  corsOrigins: string[];
  trustPolicy: ReturnType<typeof trustPolicy> | ReturnType<typeof webIdentityTrustPolicy>;
  /** Keyless (identity "oidc"): the role trusts signpost's issuer, which the script registers first. */
  oidc: { issuerUrl: string; clientId: string } | null;
  permissionsPolicy: ReturnType<typeof permissionsPolicy>;
  corsConfiguration: ReturnType<typeof corsConfiguration>;
  /** {origin}/connect/{token} */
  connectUrl: string;
}

const strings = (json: string): string[] => {
  try {
    const v = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
};

export async function awsSetup(env: Env, row: IntegrationRow, connectUrl: string): Promise<AwsSetup> {
  const principalArn = row.identity === "oidc" ? null : await principalArnOrNull(env);
  const partition = parseRoleArn(row.roleArn ?? "")?.partition ?? partitionOfRegion(row.region);
  const reads = strings(row.scopes).map(parseScope);
  const writes = strings(row.writeScopes).map(parseScope);
  const readScopes = reads.length > 0 ? reads : [{ bucket: "YOUR-BUCKET", prefix: "" }];
  const buckets = [...new Set([...readScopes, ...writes].map((s) => s.bucket))];
  const cfg = config(env);
  const cors = corsConfiguration(row, cfg.corsOrigins);
  const keyless = row.provider === "aws_role" && row.identity === "oidc";
  return {
    integrationId: row.id,
    name: row.name,
    roleName: suggestedRoleName(row),
    externalId: row.externalId ?? "",
    principalArn,
    sessionDurationSeconds: row.sessionDurationSeconds,
    buckets,
    objectArns: readScopes.map((s) => scopeObjectArn(partition, s)),
    bucketArns: buckets.map((b) => bucketArn(partition, b)),
    writeObjectArns: writes.map((s) => scopeObjectArn(partition, s)),
    corsOrigins: cors.CORSRules[0]!.AllowedOrigins,
    trustPolicy: keyless ? webIdentityTrustPolicy(row, cfg.oidc) : trustPolicy(row, principalArn),
    oidc: keyless ? { issuerUrl: cfg.oidc?.issuer ?? "", clientId: STS_AUDIENCE } : null,
    permissionsPolicy: permissionsPolicy(row),
    corsConfiguration: cors,
    connectUrl,
  };
}

/** IAM's limit for a role's maximum session: at least one hour. */
export const maxSessionDuration = (s: AwsSetup) => Math.min(43_200, Math.max(3600, s.sessionDurationSeconds));

/** The CORS rule id the scripts use to recognise rules they wrote themselves. */
export const corsRuleId = (s: Pick<AwsSetup, "integrationId">) => `signpost-${s.integrationId}`;
