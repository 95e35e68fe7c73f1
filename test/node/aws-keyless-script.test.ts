/** The keyless aws.sh (identity "oidc") passes `bash -n` and shellcheck, whatever the quoted values hold. */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { awsScript } from "../../worker/providers/aws/setup/aws-script";
import type { AwsSetup } from "../../worker/providers/aws/setup/common";

const integrationId = "int_keyless01";
const host = "signpost.example.com";
const setup: AwsSetup = {
  integrationId,
  name: 'Acme\'s "media" $(whoami)',
  roleName: `signpost-${integrationId}`,
  externalId: "",
  principalArn: null,
  sessionDurationSeconds: 3600,
  buckets: ["media-bucket"],
  objectArns: ["arn:aws:s3:::media-bucket/*"],
  bucketArns: ["arn:aws:s3:::media-bucket"],
  writeObjectArns: [],
  corsOrigins: ["https://label.example.com"],
  trustPolicy: {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "SignpostWebIdentity",
        Effect: "Allow",
        Principal: { Federated: `arn:aws:iam::YOUR-ACCOUNT-ID:oidc-provider/${host}` },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: { [`${host}:aud`]: "sts.amazonaws.com", [`${host}:sub`]: `integration:${integrationId}` } },
      },
    ],
  },
  oidc: { issuerUrl: `https://${host}`, clientId: "sts.amazonaws.com" },
  permissionsPolicy: { Version: "2012-10-17", Statement: [] } as unknown as AwsSetup["permissionsPolicy"],
  corsConfiguration: {
    CORSRules: [
      { AllowedOrigins: ["https://label.example.com"], AllowedMethods: ["GET", "HEAD"], AllowedHeaders: ["Range"], ExposeHeaders: [], MaxAgeSeconds: 3600 },
    ],
  } as unknown as AwsSetup["corsConfiguration"],
  connectUrl: "https://signpost.example.com/connect/abc'def",
};

describe("keyless aws.sh", () => {
  const script = awsScript(setup);

  it("is valid bash", () => {
    const r = spawnSync("bash", ["-n"], { input: script, encoding: "utf8", timeout: 10_000 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("passes shellcheck", () => {
    const r = spawnSync("/usr/bin/shellcheck", ["-s", "bash", "-"], { input: script, encoding: "utf8", timeout: 20_000 });
    expect(r.stdout).toBe("");
    expect(r.status).toBe(0);
  });

  it("registers the provider only when the account lacks it, before the role", () => {
    expect(script).toContain("aws iam list-open-id-connect-providers");
    expect(script.indexOf('create-open-id-connect-provider --url "$OIDC_ISSUER_URL"')).toBeLessThan(script.indexOf("aws iam create-role"));
  });
});
