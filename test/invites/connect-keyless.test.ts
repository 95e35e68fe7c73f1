/** The owner's invite page and aws.sh for a keyless AWS role (identity "oidc"): provider first, web-identity trust. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newWorld, PRINCIPAL_ARN, testEnv, type World } from "../support/harness";
import { ISSUER, newSigningJwk, oidcVars } from "../oidc/keys";
import { forgetRateLimits } from "../../worker/http/rate-limit";

let w: World;
beforeEach(async () => {
  w = await newWorld({ ...oidcVars(await newSigningJwk("key-1")), INVITE_RATE_LIMITER: undefined, INVITE_RATE_LIMIT_PER_MINUTE: "100000" } as unknown as Record<string, string>);
  await testEnv.DB.prepare("delete from invites").run();
  forgetRateLimits();
});
afterEach(() => w.close());

async function keylessInvite(): Promise<{ id: string; path: string }> {
  const res = await w.admin("POST", "/admin/api/integrations", { name: "Acme", identity: "oidc", region: "us-east-1", scopes: ["media-bucket"] });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  const inv = await w.admin("POST", `/admin/api/integrations/${id}/invites`, {});
  expect(inv.status).toBe(201);
  return { id, path: new URL(((await inv.json()) as { url: string }).url).pathname };
}

const host = new URL(ISSUER).host;

describe("keyless AWS role through an invite", () => {
  it("the page shows the provider command first and the web-identity trust policy, not signpost's principal", async () => {
    const { id, path } = await keylessInvite();
    const res = await w.call(path);
    expect(res.status).toBe(200);
    const html = await res.text();
    const command = html.indexOf("aws iam create-open-id-connect-provider --url https://signpost.test --client-id-list sts.amazonaws.com");
    const trust = html.indexOf("sts:AssumeRoleWithWebIdentity");
    expect(command).toBeGreaterThan(-1);
    expect(trust).toBeGreaterThan(command);
    expect(html).toContain(`${host}:sub`);
    expect(html).toContain(`integration:${id}`);
    expect(html).not.toContain(PRINCIPAL_ARN);
    expect(html).not.toContain("sts:ExternalId");

    const view = (await (await w.call(`${path}/integration`)).json()) as { identity: string; documents: Record<string, any> };
    expect(view.identity).toBe("oidc");
    expect(Object.keys(view.documents)[0]).toBe("oidcProviderCommand");
    expect(view.documents.trustPolicy.Statement[0].Action).toBe("sts:AssumeRoleWithWebIdentity");
    expect(view.documents.trustPolicy.Statement[0].Principal.Federated).toBe(`arn:aws:iam::YOUR-ACCOUNT-ID:oidc-provider/${host}`);
  });

  it("aws.sh registers the provider if missing, then creates the role with the web-identity trust policy", async () => {
    const { id, path } = await keylessInvite();
    const res = await w.call(`${path}/setup/aws.sh`);
    expect(res.status).toBe(200);
    const sh = await res.text();
    expect(sh).toContain("\nOIDC_ISSUER_URL=https://signpost.test\n");
    expect(sh).toContain("\nOIDC_CLIENT_ID=sts.amazonaws.com\n");
    const list = sh.indexOf("aws iam list-open-id-connect-providers");
    const create = sh.indexOf('aws iam create-open-id-connect-provider --url "$OIDC_ISSUER_URL" --client-id-list "$OIDC_CLIENT_ID"');
    const role = sh.indexOf('aws iam create-role --role-name "$ROLE_NAME"');
    expect(list).toBeGreaterThan(-1);
    expect(create).toBeGreaterThan(list);
    expect(role).toBeGreaterThan(create);
    expect(sh).toContain('TRUST_POLICY="${TRUST_POLICY//YOUR-ACCOUNT-ID/$ACCOUNT_ID}"');
    const trust = /^TRUST_POLICY='([^']*)'$/m.exec(sh)![1]!;
    const policy = JSON.parse(trust) as { Statement: Array<{ Action: string; Condition: { StringEquals: Record<string, string> } }> };
    expect(policy.Statement[0]!.Action).toBe("sts:AssumeRoleWithWebIdentity");
    expect(policy.Statement[0]!.Condition.StringEquals).toEqual({ [`${host}:aud`]: "sts.amazonaws.com", [`${host}:sub`]: `integration:${id}` });
    expect(sh).not.toContain("SIGNPOST_PRINCIPAL");
    expect(sh).toContain('step "1/5 OIDC identity provider');
    expect(sh).toContain("step '5/5 Registering the role with signpost'");
  });

  it("a principal integration's aws.sh is unchanged: no provider step", async () => {
    const res = await w.admin("POST", "/admin/api/integrations", { name: "Keys", region: "us-east-1", scopes: ["media-bucket"] });
    const { id } = (await res.json()) as { id: string };
    const inv = (await (await w.admin("POST", `/admin/api/integrations/${id}/invites`, {})).json()) as { url: string };
    const sh = await (await w.call(`${new URL(inv.url).pathname}/setup/aws.sh`)).text();
    expect(sh).not.toContain("open-id-connect-provider");
    expect(sh).toContain(`\nSIGNPOST_PRINCIPAL=${PRINCIPAL_ARN}\n`);
    expect(sh).toContain('step "1/4 IAM role');
  });
});
