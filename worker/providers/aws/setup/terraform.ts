/**
 * setup/terraform.tf: the role, its policy and the bucket CORS as a Terraform module, with
 * this integration's values as variable defaults. Strings are written as JSON strings, which
 * are valid HCL string literals once "${" and "%{" are escaped.
 */
import { shellQuote as sh } from "../../../lib/shell";
import { corsRuleId, maxSessionDuration, type AwsSetup } from "./common";

/** A quoted HCL string: JSON escaping plus HCL's template escapes. */
export function hclString(v: string): string {
  return JSON.stringify(v).replace(/\$\{/g, "$$${").replace(/%\{/g, "%%{");
}

const hclList = (vs: string[]) => `[${vs.map(hclString).join(", ")}]`;

export function terraformModule(s: AwsSetup): string {
  const rule = s.corsConfiguration.CORSRules[0]!;
  return `# signpost: the IAM role signpost assumes (with the External ID) to presign reads, its
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
      version = ">= 4.0"
    }
  }
}

variable "role_name" {
  type    = string
  default = ${hclString(s.roleName)}
}

variable "external_id" {
  type        = string
  description = "The External ID signpost generated for this integration."
  default     = ${hclString(s.externalId)}
}

variable "signpost_principal_arn" {
  type        = string
  description = "signpost's AWS principal: the ARN the role trusts."
  default     = ${hclString(s.principalArn ?? "")}
}

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

resource "aws_iam_role" "signpost" {
  name                 = var.role_name
  description          = "signpost: presigned URLs for the labeling tools"
  max_session_duration = var.max_session_duration
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "SignpostAssumeRole"
      Effect    = "Allow"
      Principal = { AWS = var.signpost_principal_arn }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "sts:ExternalId" = var.external_id } }
    }]
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
