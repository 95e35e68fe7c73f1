/**
 * The setup documents of an AWS integration, for the admin API and the owner's invite page
 * alike: keyless roles trust signpost's OIDC issuer (the provider command first); principal
 * roles trust signpost's own principal with the External ID; static keys need no trust policy.
 */
import type { Env } from "../../env";
import { config } from "../../config";
import type { IntegrationRow } from "../../integrations/model";
import { principalArnOrNull } from "../../integrations/principal";
import { corsConfiguration, corsConfigurationConsole, oidcProviderCommand, permissionsPolicy, trustPolicy, webIdentityTrustPolicy } from "./policies";

export async function awsDocuments(env: Env, row: IntegrationRow) {
  const cfg = config(env);
  if (row.provider === "aws_role" && row.identity === "oidc") {
    // Keyless: the provider command comes first, the role trusts signpost's issuer (no principal, no keys).
    return {
      signpostPrincipal: null,
      documents: {
        oidcProviderCommand: oidcProviderCommand(cfg.oidc),
        trustPolicy: webIdentityTrustPolicy(row, cfg.oidc),
        permissionsPolicy: permissionsPolicy(row),
        corsConfiguration: corsConfiguration(row, cfg.corsOrigins),
        corsConfigurationConsole: corsConfigurationConsole(row, cfg.corsOrigins),
      },
    };
  }
  const principal = row.provider === "aws_role" ? await principalArnOrNull(env) : null;
  return {
    signpostPrincipal: principal,
    documents: {
      ...(row.provider === "aws_role" ? { trustPolicy: trustPolicy(row, principal) } : {}),
      permissionsPolicy: permissionsPolicy(row),
      corsConfiguration: corsConfiguration(row, cfg.corsOrigins),
      corsConfigurationConsole: corsConfigurationConsole(row, cfg.corsOrigins),
    },
  };
}
