/**
 * setup/cloudformation.json: the role of aws.sh as a CloudFormation template. Every value is a
 * parameter whose default is this integration's, so the same file also serves as the one
 * template an operator uploads for quick-create links (the link fills the parameters in).
 * CloudFormation cannot change the CORS of a bucket it did not create: the template says so
 * and outputs the command that does it.
 *
 * The `Identity` parameter picks the role's trust: `principal` (signpost's AWS principal with
 * the External ID) or `oidc` (keyless: the IAM OIDC provider of signpost's issuer, created by
 * the stack unless `OidcProviderArn` names an existing one, with the `aud`/`sub` conditions).
 * One template serves both, so one uploaded file backs every quick-create link. The issuer
 * host is baked into the condition keys (CloudFormation cannot compute keys); it is the
 * deployment's, the same for every integration.
 */
import { shellQuote as sh } from "../../../lib/shell";
import { STS_AUDIENCE } from "../policies";
import { corsRuleId, maxSessionDuration, type AwsSetup } from "./common";

const ISSUER_PLACEHOLDER = "https://SIGNPOST-ISSUER (OIDC_ISSUER is not set)";

/** The keyless trust statement; the same as webIdentityTrustPolicy, with parameters in it. */
function webIdentityStatement(s: AwsSetup): Record<string, unknown> {
  const host = (s.oidc?.issuerUrl || ISSUER_PLACEHOLDER).replace(/^https?:\/\//, "");
  return {
    Sid: "SignpostWebIdentity",
    Effect: "Allow",
    Principal: { Federated: { "Fn::If": ["CreateOidcProvider", { Ref: "SignpostOidcProvider" }, { Ref: "OidcProviderArn" }] } },
    Action: "sts:AssumeRoleWithWebIdentity",
    Condition: { StringEquals: { [`${host}:aud`]: STS_AUDIENCE, [`${host}:sub`]: { "Fn::Sub": "integration:${IntegrationId}" } } },
  };
}

export function cloudFormationTemplate(s: AwsSetup): Record<string, unknown> {
  const cors = { CORSRules: s.corsConfiguration.CORSRules.map((r) => ({ ID: corsRuleId(s), ...r })) };
  const corsCommands = s.buckets.map((b) => `aws s3api put-bucket-cors --bucket ${sh(b)} --cors-configuration ${sh(JSON.stringify(cors))}`).join("\n");
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description:
      `signpost: an IAM role that signpost may assume to presign reads of the scoped objects: with signpost's principal and the External ID (Identity principal), ` +
      `or keyless with signpost's own OpenID Connect tokens (Identity oidc). ` +
      `CloudFormation cannot set CORS on an existing bucket: run the command in the CorsCommand output (or /setup/aws.sh) once.`,
    Parameters: {
      Identity: {
        Type: "String",
        AllowedValues: ["principal", "oidc"],
        Default: s.oidc ? "oidc" : "principal",
        Description: "How signpost assumes the role: principal (its AWS keys and the External ID) or oidc (keyless: its OpenID Connect tokens, no AWS keys).",
      },
      ExternalId: {
        Type: "String",
        MinLength: 32,
        Description: "The External ID signpost generated for this integration (Identity principal).",
        Default: s.externalId,
      },
      SignpostPrincipalArn: {
        Type: "String",
        Description: "signpost's AWS principal, the ARN the role trusts (Identity principal; empty for oidc).",
        AllowedPattern: "^(arn:aws[a-z-]*:(iam|sts)::\\d{12}:.+)?$",
        ...(s.principalArn ? { Default: s.principalArn } : s.oidc ? { Default: "" } : {}),
      },
      IntegrationId: {
        Type: "String",
        Description: "The integration: keyless tokens carry sub integration:{IntegrationId} (Identity oidc).",
        AllowedPattern: "^[A-Za-z0-9_-]+$",
        Default: s.integrationId,
      },
      OidcProviderArn: {
        Type: "String",
        Description: `Identity oidc: the ARN of this account's existing IAM OIDC provider for ${s.oidc?.issuerUrl || ISSUER_PLACEHOLDER}; empty: the stack creates it (an account has one provider per issuer).`,
        AllowedPattern: "^(arn:aws[a-z-]*:iam::\\d{12}:oidc-provider/.+)?$",
        Default: "",
      },
      RoleName: { Type: "String", Default: s.roleName, AllowedPattern: "^[\\w+=,.@-]{1,64}$" },
      ObjectArns: { Type: "CommaDelimitedList", Description: "Objects signpost may read (arn:…:s3:::bucket/prefix/*).", Default: s.objectArns.join(",") },
      BucketArns: { Type: "CommaDelimitedList", Description: "Buckets signpost may list and inspect (region, CORS).", Default: s.bucketArns.join(",") },
      WriteObjectArns: {
        Type: "CommaDelimitedList",
        Description: "Objects signpost may write for exports (empty: none).",
        Default: s.writeObjectArns.join(","),
      },
      MaxSessionDuration: { Type: "Number", MinValue: 3600, MaxValue: 43200, Default: maxSessionDuration(s) },
    },
    Rules: {
      PrincipalNeedsArn: {
        RuleCondition: { "Fn::Equals": [{ Ref: "Identity" }, "principal"] },
        Assertions: [
          {
            Assert: { "Fn::Not": [{ "Fn::Equals": [{ Ref: "SignpostPrincipalArn" }, ""] }] },
            AssertDescription: "Identity principal needs SignpostPrincipalArn.",
          },
        ],
      },
    },
    Conditions: {
      HasWrites: { "Fn::Not": [{ "Fn::Equals": [{ "Fn::Join": ["", { Ref: "WriteObjectArns" }] }, ""] }] },
      Keyless: { "Fn::Equals": [{ Ref: "Identity" }, "oidc"] },
      CreateOidcProvider: { "Fn::And": [{ Condition: "Keyless" }, { "Fn::Equals": [{ Ref: "OidcProviderArn" }, ""] }] },
    },
    Resources: {
      SignpostOidcProvider: {
        Type: "AWS::IAM::OIDCProvider",
        Condition: "CreateOidcProvider",
        // No ThumbprintList: IAM verifies the issuer's certificate against public CAs.
        Properties: { Url: s.oidc?.issuerUrl || ISSUER_PLACEHOLDER, ClientIdList: [STS_AUDIENCE] },
      },
      SignpostRole: {
        Type: "AWS::IAM::Role",
        Properties: {
          RoleName: { Ref: "RoleName" },
          Description: "signpost: presigned URLs for the labeling tools",
          MaxSessionDuration: { Ref: "MaxSessionDuration" },
          AssumeRolePolicyDocument: {
            Version: "2012-10-17",
            Statement: [
              {
                "Fn::If": [
                  "Keyless",
                  webIdentityStatement(s),
                  {
                    Sid: "SignpostAssumeRole",
                    Effect: "Allow",
                    Principal: { AWS: { Ref: "SignpostPrincipalArn" } },
                    Action: "sts:AssumeRole",
                    Condition: { StringEquals: { "sts:ExternalId": { Ref: "ExternalId" } } },
                  },
                ],
              },
            ],
          },
          Policies: [
            {
              PolicyName: "signpost-access",
              PolicyDocument: {
                Version: "2012-10-17",
                Statement: [
                  { Sid: "ReadObjects", Effect: "Allow", Action: "s3:GetObject", Resource: { Ref: "ObjectArns" } },
                  {
                    Sid: "InspectBuckets",
                    Effect: "Allow",
                    Action: ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketCORS"],
                    Resource: { Ref: "BucketArns" },
                  },
                  {
                    "Fn::If": [
                      "HasWrites",
                      { Sid: "WriteExports", Effect: "Allow", Action: ["s3:PutObject", "s3:DeleteObject"], Resource: { Ref: "WriteObjectArns" } },
                      { Ref: "AWS::NoValue" },
                    ],
                  },
                ],
              },
            },
          ],
        },
      },
    },
    Outputs: {
      RoleArn: { Description: "Paste this into the signpost invite page (Role ARN), then press Validate.", Value: { "Fn::GetAtt": ["SignpostRole", "Arn"] } },
      CorsCommand: { Description: "CloudFormation cannot set CORS on an existing bucket: run this once (e.g. in CloudShell).", Value: corsCommands },
    },
  };
}
