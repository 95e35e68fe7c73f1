/**
 * setup/terraform.tf: the role, its policy and the bucket CORS as a Terraform module, with
 * this integration's values as variable defaults. Strings are written as JSON strings, which
 * are valid HCL string literals once "${" and "%{" are escaped.
 *
 * A keyless (identity "oidc") integration's module trusts signpost's issuer instead of its
 * principal: it creates the account's IAM OIDC provider for OIDC_ISSUER (or uses the one named
 * by `existing_oidc_provider_arn`) and conditions the trust on `aud` and this integration's `sub`.
 */
import { shellQuote as sh } from "../../../lib/shell";
import { STS_AUDIENCE } from "../policies";
import { corsRuleId, maxSessionDuration, type AwsSetup } from "./common";

/** A quoted HCL string: JSON escaping plus HCL's template escapes. */
export function hclString(v: string): string {
  return JSON.stringify(v).replace(/\$\{/g, "$$${").replace(/%\{/g, "%%{");
}

const hclList = (vs: string[]) => `[${vs.map(hclString).join(", ")}]`;

/** Variables and resources of the principal role's trust: signpost's principal with the External ID. */
function principalTrust(s: AwsSetup): { variables: string; resources: string; trust: string } {
  return {
    variables: `variable "external_id" {
  type        = string
  description = "The External ID signpost generated for this integration."
  default     = ${hclString(s.externalId)}
}

variable "signpost_principal_arn" {
  type        = string
  description = "signpost's AWS principal: the ARN the role trusts."
  default     = ${hclString(s.principalArn ?? "")}
}
`,
    resources: "",
    trust: `    Statement = [{
      Sid       = "SignpostAssumeRole"
      Effect    = "Allow"
      Principal = { AWS = var.signpost_principal_arn }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "sts:ExternalId" = var.external_id } }
    }]`,
  };
}

/** Keyless: the IAM OIDC provider of signpost's issuer and a web-identity trust pinned to this integration. */
function webIdentityTrust(s: AwsSetup, oidc: NonNullable<AwsSetup["oidc"]>): { variables: string; resources: string; trust: string } {
  return {
    variables: `variable "issuer_url" {
  type        = string
  description = "signpost's OpenID Connect issuer (OIDC_ISSUER)."
  default     = ${hclString(oidc.issuerUrl || "https://SIGNPOST-ISSUER")}
}

variable "integration_id" {
  type        = string
  description = "signpost's tokens for this integration carry sub = integration:<integration_id>."
  default     = ${hclString(s.integrationId)}
}

variable "existing_oidc_provider_arn" {
  type        = string
  description = "The account's IAM OIDC provider for issuer_url, if it exists already (an account has one per issuer); empty: this module creates it."
  default     = ""
}
`,
    // No thumbprint_list: IAM verifies the issuer's certificate against public CAs.
    resources: `resource "aws_iam_openid_connect_provider" "signpost" {
  count          = var.existing_oidc_provider_arn == "" ? 1 : 0
  url            = var.issuer_url
  client_id_list = [${hclString(STS_AUDIENCE)}]
}

locals {
  oidc_provider_arn = var.existing_oidc_provider_arn != "" ? var.existing_oidc_provider_arn : aws_iam_openid_connect_provider.signpost[0].arn
  issuer_host       = trimprefix(trimprefix(var.issuer_url, "https://"), "http://")
}

`,
    trust: `    Statement = [{
      Sid       = "SignpostWebIdentity"
      Effect    = "Allow"
      Principal = { Federated = local.oidc_provider_arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "\${local.issuer_host}:aud" = ${hclString(STS_AUDIENCE)}
          "\${local.issuer_host}:sub" = "integration:\${var.integration_id}"
        }
      }
    }]`,
  };
}

export function terraformModule(s: AwsSetup): string {
  const rule = s.corsConfiguration.CORSRules[0]!;
  const t = s.oidc ? webIdentityTrust(s, s.oidc) : principalTrust(s);
  const how = s.oidc ? "keyless, with signpost's OpenID Connect tokens" : "with the External ID";
  return `# signpost: the IAM role signpost assumes (${how}) to presign reads, its
# permissions, and the CORS rule the labeling frontends need. Integration ${s.integrationId}.
#
#   terraform init && terraform apply
#
# Then register the role: run the command in the register_command output (or paste
# role_arn into the invite page) and press Validate there.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "${s.oidc ? ">= 5.81" : ">= 4.0"}"
    }
  }
}

variable "role_name" {
  type    = string
  default = ${hclString(s.roleName)}
}

${t.variables}
variable "object_arns" {
  type    = list(string)
  default = ${hclList(s.objectArns)}
}

variable "bucket_arns" {
  type    = list(string)
  default = ${hclList(s.bucketArns)}
}

variable "write_object_arns" {
  type    = list(string)
  default = ${hclList(s.writeObjectArns)}
}

variable "cors_buckets" {
  type        = list(string)
  description = "Buckets that get signpost's CORS rule (this replaces their existing CORS configuration)."
  default     = ${hclList(s.buckets)}
}

variable "cors_origins" {
  type    = list(string)
  default = ${hclList(s.corsOrigins)}
}

variable "max_session_duration" {
  type    = number
  default = ${maxSessionDuration(s)}
}

${t.resources}resource "aws_iam_role" "signpost" {
  name                 = var.role_name
  description          = "signpost: presigned URLs for the labeling tools"
  max_session_duration = var.max_session_duration
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
${t.trust}
  })
}

# The export statement only when there is something to write (a for with if: no type juggling).
locals {
  write_statements = [for arns in [var.write_object_arns] : {
    Sid      = "WriteExports"
    Effect   = "Allow"
    Action   = ["s3:PutObject", "s3:DeleteObject"]
    Resource = arns
  } if length(arns) > 0]
}

resource "aws_iam_role_policy" "signpost_access" {
  name = "signpost-access"
  role = aws_iam_role.signpost.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([
      {
        Sid      = "ReadObjects"
        Effect   = "Allow"
        Action   = "s3:GetObject"
        Resource = var.object_arns
      },
      {
        Sid      = "InspectBuckets"
        Effect   = "Allow"
        Action   = ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketCORS"]
        Resource = var.bucket_arns
      },
    ], local.write_statements)
  })
}

resource "aws_s3_bucket_cors_configuration" "signpost" {
  for_each = toset(var.cors_buckets)
  bucket   = each.value

  cors_rule {
    id              = ${hclString(corsRuleId(s))}
    allowed_origins = var.cors_origins
    allowed_methods = ${hclList(rule.AllowedMethods)}
    allowed_headers = ${hclList(rule.AllowedHeaders)}
    expose_headers  = ${hclList(rule.ExposeHeaders)}
    max_age_seconds = ${rule.MaxAgeSeconds}
  }
}

output "role_arn" {
  value = aws_iam_role.signpost.arn
}

output "register_command" {
  description = "Registers the role with signpost through the invite."
  value       = "curl -fsS -X PATCH ${hclString(sh(s.connectUrl + "/integration")).slice(1, -1)} -H 'content-type: application/json' --data '{\\"roleArn\\":\\"\${aws_iam_role.signpost.arn}\\"}'"
}
`;
}
