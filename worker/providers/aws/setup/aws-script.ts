/**
 * setup/aws.sh: one paste in AWS CloudShell. Creates or updates the role (trust and
 * permissions policies), applies the bucket CORS (asking before it replaces rules it did not
 * write), registers the role's ARN through the invite, then prints signpost's validation.
 *
 * Every value of the integration is a shell-quoted variable in the block at the top; the
 * rest of the script only uses those variables.
 */
import { shellQuote as sh } from "../../../lib/shell";
import { corsRuleId, maxSessionDuration, type AwsSetup } from "./common";
import { registerStep, scriptHeader, SHELL_HELPERS, VALIDATE_STEP } from "../../../setup/shell-parts";

const pretty = (v: unknown) => JSON.stringify(v, null, 2);

export function awsScript(s: AwsSetup): string {
  const cors = { CORSRules: s.corsConfiguration.CORSRules.map((r) => ({ ID: corsRuleId(s), ...r })) };
  const header = scriptHeader({
    title: `connect "${s.name}" to your AWS account`,
    integrationId: s.integrationId,
    scriptUrl: s.connectUrl + "/setup/aws.sh",
    where: "AWS CloudShell (or any shell with the AWS CLI v2 and curl), signed in as someone who may manage IAM roles and the bucket's CORS",
    notes: [
      "It is safe to run again: what exists is updated. It asks before replacing CORS rules it did",
      "not write; --yes (or SIGNPOST_ASSUME_YES=1) answers yes for non-interactive runs.",
    ],
  });
  const keyless = s.oidc !== null;
  const n = keyless ? 5 : 4;
  let i = keyless ? 1 : 0;
  const step = (title: string) => `step "${++i}/${n} ${title}"`;
  return `${header}

ROLE_NAME=${sh(s.roleName)}
${
  s.oidc
    ? `OIDC_ISSUER_URL=${sh(s.oidc.issuerUrl)}
OIDC_CLIENT_ID=${sh(s.oidc.clientId)}`
    : `SIGNPOST_PRINCIPAL=${sh(s.principalArn ?? "")}`
}
MAX_SESSION_DURATION=${maxSessionDuration(s)}
BUCKETS=(${s.buckets.map(sh).join(" ")})
CORS_RULE_ID=${sh(corsRuleId(s))}
CONNECT_URL=${sh(s.connectUrl)}
POLICY_NAME=signpost-access

${
  keyless
    ? "# Trusts tokens from signpost's issuer for this integration only (YOUR-ACCOUNT-ID is filled in below)."
    : "# Trusts signpost's principal, only with this integration's External ID."
}
TRUST_POLICY=${sh(pretty(s.trustPolicy))}

PERMISSIONS_POLICY=${sh(pretty(s.permissionsPolicy))}

CORS_CONFIGURATION=${sh(pretty(cors))}

ASSUME_YES="\${SIGNPOST_ASSUME_YES:-0}"
for arg in "$@"; do
  case "$arg" in
    -y | --yes) ASSUME_YES=1 ;;
    *) echo "Unknown option: $arg (the only option is --yes)" >&2; exit 2 ;;
  esac
done

${SHELL_HELPERS}

command -v aws >/dev/null 2>&1 || fail "the AWS CLI is missing (AWS CloudShell has it)."
command -v curl >/dev/null 2>&1 || fail "curl is missing."
${
  keyless
    ? `[ -n "$OIDC_ISSUER_URL" ] || fail "signpost's OIDC issuer is not configured; ask signpost's operator to set OIDC_ISSUER and OIDC_SIGNING_KEY, then download this script again."`
    : `[ -n "$SIGNPOST_PRINCIPAL" ] || fail "signpost could not name its own AWS principal; ask signpost's operator to check its AWS credentials, then download this script again."`
}

# Yes/no from the terminal, even when this script itself arrives on stdin (curl … | bash).
confirm() {
  local answer=""
  if [ "$ASSUME_YES" = 1 ]; then return 0; fi
  if ! { exec 3</dev/tty; } 2>/dev/null; then
    echo "    (no terminal to ask on: run again with --yes to replace them)"
    return 1
  fi
  printf '%s [y/N] ' "$1" >/dev/tty
  read -r answer <&3 || answer=""
  exec 3<&-
  case "$answer" in y | Y | yes | YES) return 0 ;; *) return 1 ;; esac
}

${keyless ? OIDC_PROVIDER_STEP : ""}${step(keyless ? "IAM role $ROLE_NAME (trusts signpost's issuer, this integration only)" : "IAM role $ROLE_NAME (trusts signpost, requires the External ID)")}
if aws iam get-role --role-name "$ROLE_NAME" >/dev/null 2>&1; then
  aws iam update-assume-role-policy --role-name "$ROLE_NAME" --policy-document "$TRUST_POLICY"
  aws iam update-role --role-name "$ROLE_NAME" --max-session-duration "$MAX_SESSION_DURATION"
  echo "    The role exists: its trust policy and session limit are updated."
else
  aws iam create-role --role-name "$ROLE_NAME" \\
    --assume-role-policy-document "$TRUST_POLICY" \\
    --max-session-duration "$MAX_SESSION_DURATION" \\
    --description "signpost: presigned URLs for the labeling tools" >/dev/null
  echo "    Created the role."
fi
ROLE_ARN="$(aws iam get-role --role-name "$ROLE_NAME" --query Role.Arn --output text)"
case "$ROLE_ARN" in
  arn:aws*:iam::*:role/*) echo "    $ROLE_ARN" ;;
  *) fail "unexpected role ARN from AWS: $ROLE_ARN" ;;
esac

${step("Permissions (inline policy $POLICY_NAME: read the scoped objects, inspect the buckets)")}
aws iam put-role-policy --role-name "$ROLE_NAME" --policy-name "$POLICY_NAME" --policy-document "$PERMISSIONS_POLICY"
echo "    Done."

${step("Bucket CORS (lets the labeling frontends load the objects)")}
for bucket in "\${BUCKETS[@]}"; do
  existing_ids=""
  if existing_ids="$(aws s3api get-bucket-cors --bucket "$bucket" --query 'CORSRules[].ID' --output text 2>/dev/null)"; then
    if [ "$existing_ids" != "$CORS_RULE_ID" ]; then
      echo "    $bucket already has CORS rules that signpost did not write:"
      aws s3api get-bucket-cors --bucket "$bucket" --output json | sed 's/^/      /'
      if ! confirm "    Replace them with signpost's rule?"; then
        echo "    Kept the existing rules of $bucket. The cors check will say what is missing."
        continue
      fi
    fi
  fi
  aws s3api put-bucket-cors --bucket "$bucket" --cors-configuration "$CORS_CONFIGURATION"
  echo "    $bucket: CORS rule $CORS_RULE_ID applied."
done

${registerStep(`${n}/${n} Registering the role with signpost`, `"{\\"roleArn\\":\\"$ROLE_ARN\\"}"`)}

${VALIDATE_STEP}
`;
}

/** Registers signpost's issuer in this account unless it is there already, then names the account in the trust policy. */
const OIDC_PROVIDER_STEP = `step "1/5 OIDC identity provider for signpost's issuer (once per account)"
ISSUER_HOST="\${OIDC_ISSUER_URL#https://}"
ISSUER_HOST="\${ISSUER_HOST#http://}"
ACCOUNT_ID="$(aws sts get-caller-identity --query Account --output text)"
case "$ACCOUNT_ID" in
  [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]) ;;
  *) fail "unexpected account id from AWS: $ACCOUNT_ID" ;;
esac
if aws iam list-open-id-connect-providers --query 'OpenIDConnectProviderList[].Arn' --output text | tr '\\t' '\\n' | grep -qxF -e "arn:aws:iam::$ACCOUNT_ID:oidc-provider/$ISSUER_HOST" -e "arn:aws-cn:iam::$ACCOUNT_ID:oidc-provider/$ISSUER_HOST" -e "arn:aws-us-gov:iam::$ACCOUNT_ID:oidc-provider/$ISSUER_HOST"; then
  echo "    The provider exists."
else
  aws iam create-open-id-connect-provider --url "$OIDC_ISSUER_URL" --client-id-list "$OIDC_CLIENT_ID" >/dev/null
  echo "    Registered $OIDC_ISSUER_URL (audience $OIDC_CLIENT_ID)."
fi
TRUST_POLICY="\${TRUST_POLICY//YOUR-ACCOUNT-ID/$ACCOUNT_ID}"

`;
