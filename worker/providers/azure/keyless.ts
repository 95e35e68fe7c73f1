/**
 * Keyless Azure: with AZURE_CLIENT_ID and no AZURE_CLIENT_SECRET, signpost's app registration
 * authenticates with a client assertion, signpost's own token, through a federated identity
 * credential the operator adds to the app once.
 *
 * The subject is per deployment, `app:{AZURE_CLIENT_ID}`, not per integration: the app and its
 * federated credentials belong to the operator (at most 20 per app), while what each bucket
 * owner grants is scoped in their own tenant (consent, role assignments on their account).
 */
import type { Env } from "../../env";
import { config } from "../../config";
import { mintIntegrationToken } from "../../oidc/issuer";
import { shellQuote } from "../../lib/shell";

export const AZURE_TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";

export function azureAssertionSubject(clientId: string): string {
  return `app:${clientId}`;
}

/** The client assertion source, when this deployment authenticates its app keylessly. */
export function azureClientAssertion(env: Env): (() => Promise<string>) | undefined {
  if (!env.AZURE_CLIENT_ID || env.AZURE_CLIENT_SECRET || !config(env).oidc) return undefined;
  const subject = azureAssertionSubject(env.AZURE_CLIENT_ID);
  return () => mintIntegrationToken(env, "", AZURE_TOKEN_EXCHANGE_AUDIENCE, { subject });
}

/** The operator's one-time command: trust signpost's issuer for its own app registration. */
export function federatedCredentialCommand(env: Env): string {
  const params = JSON.stringify({
    name: "signpost-issuer",
    issuer: config(env).oidc?.issuer ?? "<OIDC_ISSUER>",
    subject: azureAssertionSubject(env.AZURE_CLIENT_ID ?? "<AZURE_CLIENT_ID>"),
    audiences: [AZURE_TOKEN_EXCHANGE_AUDIENCE],
  });
  return `az ad app federated-credential create --id ${shellQuote(env.AZURE_CLIENT_ID ?? "<AZURE_CLIENT_ID>")} --parameters ${shellQuote(params)}`;
}
