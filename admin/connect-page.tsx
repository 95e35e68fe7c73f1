/**
 * The bucket owner's page (/connect/{token}): what to create in their cloud with everything
 * filled in, the one-paste setup, the owner's own fields, Validate, and the connected state.
 * Server-rendered from the invite's owner view only: nothing of the admin surface is here.
 * The inline script (admin/connect-client.ts) does copy, save, validate and the asset URL form.
 */
import { Layout, TopBar, renderDocument } from "./page";
import { connectScript } from "./connect-client";
import type { OwnerView } from "../worker/integrations/owner";

const PROVIDER_LABEL: Record<string, string> = {
  aws_role: "Amazon S3 (IAM role)",
  aws_keys: "S3-compatible storage (access keys)",
  gcs: "Google Cloud Storage",
  azure: "Azure Blob Storage",
};

const CLOUD_SHELL: Record<string, { name: string; url: string; file: string }> = {
  aws_role: { name: "AWS CloudShell", url: "https://console.aws.amazon.com/cloudshell/home", file: "aws.sh" },
  gcs: { name: "Google Cloud Shell", url: "https://shell.cloud.google.com/", file: "gcloud.sh" },
  azure: { name: "Azure Cloud Shell (Bash)", url: "https://shell.azure.com/bash", file: "az.sh" },
};

const FIELD_LABEL: Record<string, { label: string; placeholder: string; help: string }> = {
  roleArn: {
    label: "Role ARN",
    placeholder: "arn:aws:iam::123456789012:role/signpost-access",
    help: "IAM → Roles → your role → ARN. The setup script registers it for you.",
  },
  serviceAccountEmail: {
    label: "Service account email",
    placeholder: "signpost-reader@your-project.iam.gserviceaccount.com",
    help: "The service account signpost signs URLs as (the script creates it if it does not exist).",
  },
  workloadIdentityProvider: {
    label: "Workload identity provider (keyless)",
    placeholder: "projects/123456789012/locations/global/workloadIdentityPools/signpost/providers/signpost",
    help: "Keyless only: the provider trusting signpost's issuer (the keyless commands print it; the script registers it for you). Leave empty for signpost's service account.",
  },
  tenantId: { label: "Tenant (directory) id", placeholder: "00000000-0000-0000-0000-000000000000", help: "Microsoft Entra ID → Overview → Tenant ID." },
  accountName: { label: "Storage account name", placeholder: "mystorageaccount", help: "The storage account that holds the containers." },
};

const DOC_TITLE: Record<string, string> = {
  oidcProviderCommand: "First: register signpost's issuer as an OIDC identity provider (once per AWS account; skip if it exists)",
  trustPolicy: "Trust policy (IAM → Roles → Create role → Custom trust policy)",
  permissionsPolicy: "Permissions policy (the role → Add permissions → Create inline policy → JSON)",
  corsConfiguration: "Bucket CORS (the bucket → Permissions → Cross-origin resource sharing)",
  setupCommands: "Commands",
  workloadIdentityCommands: "Keyless set-up (Workload Identity Federation): gcloud commands, as a project owner",
  adminConsentUrl: "Admin consent URL",
  signpostServiceAccount: "signpost's service account",
  signpostClientId: "signpost's application (client) id",
};

/** Inline JSON for a <script type="application/json">: "<" is escaped so it cannot close the tag. */
function inlineJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function Copyable(p: { id: string; text: string; label: string }) {
  return (
    <div class="copyable">
      <code id={p.id}>{p.text}</code>
      <button type="button" class="small" data-copy={`#${p.id}`} aria-label={`Copy ${p.label}`}>
        Copy
      </button>
    </div>
  );
}

/** gcs with keyless offered: which identity each document belongs to (the page shows one set). */
const GCS_DOC_IDENTITY: Record<string, "oidc" | "principal"> = {
  workloadIdentityCommands: "oidc",
  signpostServiceAccount: "principal",
  setupCommands: "principal",
};

/** The identity a gcs owner starts with: keyless when offered (recommended). */
function gcsIdentity(v: OwnerView): "oidc" | "principal" | null {
  return v.provider === "gcs" && v.keyless ? "oidc" : null;
}

function Doc(p: { k: string; value: unknown; identity?: "oidc" | "principal"; shown?: "oidc" | "principal" | null }) {
  const text = typeof p.value === "string" ? p.value : JSON.stringify(p.value, null, 2);
  const id = `doc-${p.k}`;
  return (
    <div class="doc" data-doc={p.k} data-identity={p.identity} hidden={!!p.identity && !!p.shown && p.identity !== p.shown}>
      <div class="doc-head">
        <h4 id={`${id}-title`}>{DOC_TITLE[p.k] ?? p.k}</h4>
        <button type="button" class="small" data-copy={`#${id}`} aria-label={`Copy ${DOC_TITLE[p.k] ?? p.k}`}>
          Copy
        </button>
      </div>
      <pre tabindex={0} aria-labelledby={`${id}-title`}>
        <code id={id}>{text}</code>
      </pre>
    </div>
  );
}

function OnePaste(p: { view: OwnerView }) {
  const shell = CLOUD_SHELL[p.view.provider];
  if (!shell) return null;
  const identity = gcsIdentity(p.view);
  const scriptUrl = p.view.setupScripts[shell.file]! + (identity === "oidc" ? "?identity=oidc" : "");
  const others = Object.entries(p.view.setupScripts).filter(([f]) => f !== shell.file);
  return (
    <section class="card" aria-labelledby="one-paste-title">
      <h2 id="one-paste-title">1. One paste in {shell.name}</h2>
      <p>
        Open{" "}
        <a href={shell.url} target="_blank" rel="noopener noreferrer">
          {shell.name}
        </a>{" "}
        signed in to the account that owns the storage, and paste this command:
      </p>
      {identity && (
        <fieldset class="choice" id="identity-choice">
          <legend>How signpost signs URLs</legend>
          <label>
            <input type="radio" name="identity" value="oidc" checked={identity === "oidc"} /> Keyless (Workload Identity Federation, recommended)
          </label>
          <label>
            <input type="radio" name="identity" value="principal" checked={identity === "principal"} /> signpost's own service account
          </label>
          <p class="help">
            Keyless: Google trusts signpost's own short-lived tokens for this integration only; no key exists anywhere. The other way grants signpost's service
            account the right to sign as yours.
          </p>
        </fieldset>
      )}
      <Copyable id="one-paste" text={`curl -fsSL '${scriptUrl}' | bash`} label="the setup command" />
      <p class="help">
        {p.view.provider === "aws_role"
          ? "It creates (or updates) the IAM role with the trust and permissions policies, applies the bucket CORS (asking before it replaces existing rules), registers the role with signpost and prints the validation. Safe to run again."
          : "It runs the commands below (step 2), registers your settings with signpost and prints the validation. Safe to run again."}{" "}
        <a href={scriptUrl} id="script-link">
          Read the script first
        </a>
        .
      </p>
      {(others.length > 0 || p.view.launchStackUrl) && (
        <p class="row">
          <span class="muted">Infrastructure as code:</span>
          {p.view.launchStackUrl && (
            <a class="button" id="launch-stack" href={p.view.launchStackUrl} target="_blank" rel="noopener noreferrer">
              Launch stack (CloudFormation)
            </a>
          )}
          {others.map(([f, url]) => (
            <a class="button" href={url} download={f} data-setup-file={f}>
              {f}
            </a>
          ))}
        </p>
      )}
    </section>
  );
}

function OwnerFields(p: { view: OwnerView }) {
  const fields = p.view.ownerFields;
  if (fields.length === 0) return null;
  const values = p.view as unknown as Record<string, string | null | undefined>;
  return (
    <form id="owner-form" novalidate>
      {fields.map((f) => (
        <div class="field">
          <label for={`field-${f}`}>{FIELD_LABEL[f]?.label ?? f}</label>
          <input
            id={`field-${f}`}
            name={f}
            value={values[f] ?? ""}
            placeholder={FIELD_LABEL[f]?.placeholder}
            autocomplete="off"
            spellcheck={false}
            aria-describedby={`field-${f}-help`}
          />
          <p class="help" id={`field-${f}-help`}>
            {FIELD_LABEL[f]?.help}
          </p>
        </div>
      ))}
      <div class="alert" id="owner-error" role="alert"></div>
      <div class="actions-bar">
        <button type="submit" id="owner-save">
          Save
        </button>
        <span class="status-line" id="owner-status" role="status" aria-live="polite"></span>
      </div>
    </form>
  );
}

function ByHand(p: { view: OwnerView }) {
  const v = p.view;
  const docs = Object.entries(v.documents);
  return (
    <section class="card" aria-labelledby="by-hand-title">
      <h2 id="by-hand-title">{CLOUD_SHELL[v.provider] ? "2. Or step by step" : "1. Grant access"}</h2>
      {v.provider === "aws_role" && v.identity !== "oidc" && (
        <dl class="kv">
          <dt>signpost's principal (the role trusts it)</dt>
          <dd>
            <Copyable id="principal" text={v.signpostPrincipal ?? "unavailable: ask signpost's operator"} label="signpost's principal" />
          </dd>
          <dt>External ID</dt>
          <dd>
            <Copyable id="external-id" text={v.externalId ?? ""} label="External ID" />
          </dd>
        </dl>
      )}
      {docs.map(([k, value]) => (
        <Doc k={k} value={value} identity={gcsIdentity(v) ? GCS_DOC_IDENTITY[k] : undefined} shown={gcsIdentity(v)} />
      ))}
      <OwnerFields view={v} />
    </section>
  );
}

export function ConnectPage(p: { nonce: string; view: OwnerView; apiBase: string }) {
  const v = p.view;
  const expires = new Date(v.inviteExpiresAt);
  const n = CLOUD_SHELL[v.provider] ? 3 : 2;
  return (
    <Layout nonce={p.nonce} title={`Connect ${v.name} · signpost`} script={connectScript}>
      <TopBar />
      <main id="main">
        <section class="card" aria-labelledby="title">
          <h1 id="title">Connect “{v.name}”</h1>
          <p>
            {PROVIDER_LABEL[v.provider] ?? v.provider}
            {v.scopes.length > 0 ? ` · ${v.scopes.join(", ")}` : ""}
          </p>
          <p>
            Status:{" "}
            <span id="status" class={`badge ${v.status}`} data-status={v.status} role="status" aria-live="polite">
              {v.status}
            </span>
          </p>
          <p class="muted">
            Someone who runs signpost for your labeling tools sent you this link: it lets you set up read access to your storage, and nothing else. It expires{" "}
            <time datetime={v.inviteExpiresAt}>{expires.toUTCString()}</time>.
          </p>
        </section>
        <OnePaste view={v} />
        <ByHand view={v} />
        <section class="card" aria-labelledby="validate-title">
          <h2 id="validate-title">{n}. Validate</h2>
          <p>signpost checks that it can use the grant: the role or account, the bucket, reading an object, CORS.</p>
          <form id="validate-form" novalidate>
            <div class="field">
              <label for="sample-key">
                Sample object key <span class="muted">(optional)</span>
              </label>
              <input id="sample-key" name="sampleKey" placeholder="images/0001.jpg" autocomplete="off" spellcheck={false} />
            </div>
            <div class="alert" id="validate-error" role="alert"></div>
            <div class="actions-bar">
              <button type="submit" class="primary" id="validate">
                Validate
              </button>
              <span class="status-line" id="validate-status" role="status" aria-live="polite"></span>
            </div>
          </form>
          <div id="checks"></div>
        </section>
        <section class="card" id="connected" aria-labelledby="connected-title" hidden={v.status !== "valid"} tabindex={-1}>
          <h2 id="connected-title">✓ Connected</h2>
          <p>signpost can now hand out short-lived links to your objects. An object's asset URL:</p>
          <form id="asset-form" novalidate>
            <div class="grid-2">
              <div class="field">
                <label for="asset-bucket">Bucket</label>
                <input id="asset-bucket" name="bucket" value={v.scopes[0]?.split("/")[0] ?? ""} autocomplete="off" spellcheck={false} />
              </div>
              <div class="field">
                <label for="asset-key">Object key</label>
                <input id="asset-key" name="key" placeholder="images/0001.jpg" autocomplete="off" spellcheck={false} />
              </div>
            </div>
          </form>
          <Copyable id="asset-url" text={v.assetUrlTemplate} label="the asset URL" />
        </section>
        <p class="visually-hidden" id="sr-status" aria-live="polite"></p>
      </main>
      <script
        type="application/json"
        id="connect-data"
        nonce={p.nonce}
        dangerouslySetInnerHTML={{
          __html: inlineJson({
            apiBase: p.apiBase,
            provider: v.provider,
            assetUrlTemplate: v.assetUrlTemplate,
            lastValidation: v.lastValidation,
            scriptFile: CLOUD_SHELL[v.provider]?.file ?? null,
            ownerFields: v.ownerFields,
          }),
        }}
      />
    </Layout>
  );
}

export function renderConnectPage(p: { nonce: string; view: OwnerView; apiBase: string }): Promise<string> {
  return renderDocument(<ConnectPage {...p} />);
}

export function InviteNotFoundPage(p: { nonce: string; requestId: string }) {
  return (
    <Layout nonce={p.nonce} title="Invite not found · signpost">
      <main class="login card">
        <h1>Invite not found</h1>
        <p>This invite link is unknown, expired or revoked. Ask whoever sent it to you for a new one.</p>
        <p class="muted">
          <code id="error-code">invite_not_found</code> · request {p.requestId}
        </p>
      </main>
    </Layout>
  );
}

export function renderInviteNotFoundPage(p: { nonce: string; requestId: string }): Promise<string> {
  return renderDocument(<InviteNotFoundPage {...p} />);
}
