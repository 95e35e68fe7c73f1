/**
 * setup/cloudformation.json: the role of aws.sh as a CloudFormation template. Every value is a
 * parameter whose default is this integration's, so the same file also serves as the one
 * template an operator uploads for quick-create links (the link fills the parameters in).
 * CloudFormation cannot change the CORS of a bucket it did not create: the template says so
 * and outputs the command that does it.
 */
import { shellQuote as sh } from "../../../lib/shell";
import { corsRuleId, maxSessionDuration, type AwsSetup } from "./common";

export function cloudFormationTemplate(s: AwsSetup): Record<string, unknown> {
  const cors = { CORSRules: s.corsConfiguration.CORSRules.map((r) => ({ ID: corsRuleId(s), ...r })) };
  const corsCommands = s.buckets.map((b) => `aws s3api put-bucket-cors --bucket ${sh(b)} --cors-configuration ${sh(JSON.stringify(cors))}`).join("\n");
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description:
      `signpost: an IAM role that signpost's principal may assume with the External ID, to presign reads of the scoped objects. ` +
      `CloudFormation cannot set CORS on an existing bucket: run the command in the CorsCommand output (or /setup/aws.sh) once.`,
    Parameters: {
      ExternalId: { Type: "String", MinLength: 32, Description: "The External ID signpost generated for this integration.", Default: s.externalId },
      SignpostPrincipalArn: { Type: "String", Description: "signpost's AWS principal (the ARN the role trusts).", AllowedPattern: "^arn:aws[a-z-]*:(iam|sts)::\\d{12}:.+$", ...(s.principalArn ? { Default: s.principalArn } : {}) },
      RoleName: { Type: "String", Default: s.roleName, AllowedPattern: "^[\\w+=,.@-]{1,64}$" },
      ObjectArns: { Type: "CommaDelimitedList", Description: "Objects signpost may read (arn:…:s3:::bucket/prefix/*).", Default: s.objectArns.join(",") },
      BucketArns: { Type: "CommaDelimitedList", Description: "Buckets signpost may list and inspect (region, CORS).", Default: s.bucketArns.join(",") },
      WriteObjectArns: { Type: "CommaDelimitedList", Description: "Objects signpost may write for exports (empty: none).", Default: s.writeObjectArns.join(",") },
      MaxSessionDuration: { Type: "Number", MinValue: 3600, MaxValue: 43200, Default: maxSessionDuration(s) },
    },
    Conditions: {
      HasWrites: { "Fn::Not": [{ "Fn::Equals": [{ "Fn::Join": ["", { Ref: "WriteObjectArns" }] }, ""] }] },
    },
    Resources: {
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
                Sid: "SignpostAssumeRole",
                Effect: "Allow",
                Principal: { AWS: { Ref: "SignpostPrincipalArn" } },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "sts:ExternalId": { Ref: "ExternalId" } } },
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
                  { Sid: "InspectBuckets", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketCORS"], Resource: { Ref: "BucketArns" } },
                  {
                    "Fn::If": ["HasWrites", { Sid: "WriteExports", Effect: "Allow", Action: ["s3:PutObject", "s3:DeleteObject"], Resource: { Ref: "WriteObjectArns" } }, { Ref: "AWS::NoValue" }],
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
