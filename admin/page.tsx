/**
 * The admin page: a server-rendered shell (forms, labels, empty tables) that the inline client
 * script (admin/client/*.ts, bundled by `npm run build:admin` into admin/generated/) fills from
 * the JSON admin API. No external assets: the stylesheet and script are inline and carry the
 * response's CSP nonce.
 */
import type { Child } from "hono/jsx";
import { STYLES_CSS } from "./generated/styles";
import { CLIENT_JS } from "./generated/client-script";
import { PROVIDERS, type ProviderField, type ProviderSpec } from "./providers";
import { OperationsSection } from "./operations";
import type { OperationsOverview } from "../worker/ops/overview";

export interface LayoutProps {
  nonce: string;
  title: string;
  /** The session's CSRF token, echoed by the client as X-CSRF-Token ("" for bearer/Access). */
  csrf?: string;
  bodyClass?: string;
  children?: Child;
  /** Inline script run at the end of <body>. */
  script?: string;
}

/** Inline JSON for a <script type="application/json">: "<" is escaped so it cannot close the tag. */
function inlineJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

export function Layout(p: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <link rel="icon" href="data:," />
        {p.csrf !== undefined && <meta name="csrf-token" content={p.csrf} />}
        <title>{p.title}</title>
        <style nonce={p.nonce} dangerouslySetInnerHTML={{ __html: STYLES_CSS }} />
      </head>
      <body class={p.bodyClass}>
        {p.children}
        {p.script && <script nonce={p.nonce} dangerouslySetInnerHTML={{ __html: p.script }} />}
      </body>
    </html>
  );
}

export function Logo() {
  return (
    <span class="logo" aria-hidden="true">
      ↪
    </span>
  );
}

/** The skip link and the top bar with the brand; `children` sit on the bar after it. */
export function TopBar(p: { children?: Child }) {
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <div class="inner">
          <p class="brand">
            <Logo />
            signpost
          </p>
          {p.children}
        </div>
      </header>
    </>
  );
}

export async function renderDocument(node: unknown): Promise<string> {
  return "<!doctype html>" + (await String(await node));
}

// ---------------------------------------------------------------------------------------

function Field(props: { id: string; field: ProviderField; providerSpec?: ProviderSpec }) {
  const { id, field: f } = props;
  const helpId = f.help ? `${id}-help` : undefined;
  if (f.kind === "preset") {
    const presets = props.providerSpec?.endpointPresets ?? [];
    return (
      <div class="field">
        <label for={id}>{f.label}</label>
        <select id={id} name={f.key} data-kind="preset" aria-describedby={`${id}-help`}>
          {presets.map((p) => (
            <option value={p.id}>{p.label}</option>
          ))}
        </select>
        <p class="help" id={`${id}-help`} data-preset-help>
          {presets[0]?.help ?? ""}
        </p>
      </div>
    );
  }
  if (f.kind === "choice") {
    return (
      <div class="field">
        <label for={id}>{f.label}</label>
        <select id={id} name={f.key} data-kind="choice" aria-describedby={helpId}>
          {(f.options ?? []).map((o, i) => (
            <option value={o.value} selected={i === 0}>
              {o.label}
            </option>
          ))}
        </select>
        {f.help && (
          <p class="help" id={helpId}>
            {f.help}
          </p>
        )}
      </div>
    );
  }
  const common = {
    id,
    name: f.key,
    "data-kind": f.kind,
    required: f.required,
    placeholder: f.placeholder,
    "aria-describedby": helpId,
    autocomplete: f.autocomplete,
    spellcheck: false,
  };
  return (
    <div class="field">
      <label for={id}>
        {f.label}
        {f.required ? "" : <span class="muted"> (optional)</span>}
      </label>
      {f.kind === "lines" ? (
        <textarea {...common} rows={3}>
          {f.value ?? ""}
        </textarea>
      ) : (
        <input {...common} type={f.kind === "secret" ? "password" : "text"} inputmode={f.inputMode} value={f.value} />
      )}
      {f.help && (
        <p class="help" id={helpId}>
          {f.help}
        </p>
      )}
    </div>
  );
}

function ProviderChoice(props: { providers: ProviderSpec[] }) {
  return (
    <fieldset>
      <legend>Provider</legend>
      <div class="choices">
        {props.providers.map((p, i) => (
          <label class="choice" for={`provider-${p.id}`}>
            <input type="radio" id={`provider-${p.id}`} name="provider" value={p.id} checked={i === 0} />
            <div>
              <strong>{p.label}</strong>
              <span>{p.summary}</span>
            </div>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

function NewIntegration(props: { providers: ProviderSpec[] }) {
  return (
    <div id="wizard" class="panel" hidden aria-labelledby="wizard-title" role="region">
      <h3 id="wizard-title" tabindex={-1}>
        New integration
      </h3>
      <ol class="stepper" aria-label="Steps">
        <li data-step="details" aria-current="step">
          <span>1</span> Provider and details
        </li>
        <li data-step="setup">
          <span>2</span> Grant access
        </li>
        <li data-step="validate">
          <span>3</span> Validate
        </li>
      </ol>
      <form id="create-form" novalidate>
        <ProviderChoice providers={props.providers} />
        <div class="field">
          <label for="f-name">Name</label>
          <input id="f-name" name="name" required maxlength={100} placeholder="e.g. acme-images" autocomplete="off" />
        </div>
        {props.providers.map((p, i) => (
          <fieldset data-provider={p.id} hidden={i !== 0} disabled={i !== 0}>
            <legend>{p.label}: settings</legend>
            <div class="grid-2">
              {p.fields.map((f) => (
                <Field id={`f-${p.id}-${f.key}`} field={f} providerSpec={p} />
              ))}
            </div>
          </fieldset>
        ))}
        <div class="alert" id="create-error" role="alert"></div>
        <div class="actions-bar">
          <button type="submit" class="primary" id="create-btn">
            Create
          </button>
          <button type="button" id="test-connection" hidden>
            Test connection
          </button>
          <button type="button" id="wizard-cancel">
            Cancel
          </button>
          <span class="status-line" id="create-status" role="status" aria-live="polite"></span>
        </div>
        <div id="create-checks"></div>
      </form>

      <div id="setup" hidden>
        <h4 id="setup-title" tabindex={-1}>
          Set up access
        </h4>
        <ol class="steps" id="setup-steps"></ol>
        <dl class="kv">
          <dt>signpost's principal ARN</dt>
          <dd>
            <div class="copyable">
              <code id="setup-principal">loading…</code>
              <button type="button" class="small" data-copy="#setup-principal">
                Copy
              </button>
            </div>
          </dd>
          <dt>External ID</dt>
          <dd>
            <div class="copyable">
              <code id="setup-external-id" data-testid="external-id"></code>
              <button type="button" class="small" data-copy="#setup-external-id" id="copy-external-id">
                Copy
              </button>
            </div>
          </dd>
        </dl>
        <div id="setup-docs"></div>
        <form id="role-arn-form" novalidate>
          <div class="field">
            <label for="role-arn-input">Role ARN</label>
            <input
              id="role-arn-input"
              name="roleArn"
              placeholder="arn:aws:iam::123456789012:role/signpost-access"
              autocomplete="off"
              spellcheck={false}
              aria-describedby="role-arn-help"
            />
            <p class="help" id="role-arn-help">
              IAM → Roles → your role → ARN.
            </p>
          </div>
          <div class="field">
            <label for="setup-sample-key">
              Sample object key <span class="muted">(optional)</span>
            </label>
            <input id="setup-sample-key" name="sampleKey" placeholder="images/0001.jpg" autocomplete="off" spellcheck={false} />
          </div>
          <div class="alert" id="setup-error" role="alert"></div>
          <div class="actions-bar">
            <button type="submit" class="primary" id="setup-validate">
              Save and validate
            </button>
            <button type="button" id="wizard-done">
              Done
            </button>
            <span class="status-line" id="setup-status" role="status" aria-live="polite"></span>
          </div>
        </form>
        <div id="setup-checks"></div>
      </div>
    </div>
  );
}

function IntegrationsSection(props: { providers: ProviderSpec[] }) {
  return (
    <section class="card" aria-labelledby="integrations-title">
      <div class="card-head">
        <h2 id="integrations-title">Integrations</h2>
        <div class="row">
          <button type="button" id="refresh" class="small">
            Refresh
          </button>
          <button type="button" class="primary" id="new-integration" aria-expanded="false" aria-controls="wizard">
            New integration
          </button>
        </div>
      </div>
      <p class="muted">Each integration is one bucket owner's grant. Asset URLs use its id, or "default".</p>
      <NewIntegration providers={props.providers} />
      <div class="table-wrap">
        <table id="integrations-table" aria-labelledby="integrations-title">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" class="hide-narrow">
                Provider
              </th>
              <th scope="col">Status</th>
              <th scope="col" class="hide-narrow">
                Last checked
              </th>
              <th scope="col" class="hide-narrow">
                Last used
              </th>
              <th scope="col">Default</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <LoadingBody id="integrations-body" columns={7} />
        </table>
      </div>
    </section>
  );
}

/** A table body that says "Loading…" until the client script fills it. */
function LoadingBody(p: { id: string; columns: number }) {
  return (
    <tbody id={p.id}>
      <tr>
        <td colspan={p.columns} class="empty">
          Loading…
        </td>
      </tr>
    </tbody>
  );
}

function TokensSection() {
  return (
    <section class="card" aria-labelledby="tokens-title">
      <div class="card-head">
        <h2 id="tokens-title">API tokens</h2>
      </div>
      <p class="muted">
        For labeling backends: <code>Authorization: Bearer …</code> on <code>/v1/sign</code>, object listing and uploads.
      </p>
      <form id="token-form" novalidate>
        <div class="grid-2">
          <div class="field">
            <label for="token-name">Token name</label>
            <input id="token-name" name="name" required maxlength={100} placeholder="e.g. labeling-backend" autocomplete="off" />
          </div>
          <fieldset id="token-integrations">
            <legend>
              Limit to integrations <span class="muted">(optional; none = all)</span>
            </legend>
            <div id="token-integration-list" class="muted">
              No integrations yet.
            </div>
          </fieldset>
        </div>
        <div class="alert" id="token-error" role="alert"></div>
        <div class="actions-bar">
          <button type="submit" class="primary">
            Create token
          </button>
          <span class="status-line" id="token-status" role="status" aria-live="polite"></span>
        </div>
      </form>
      <div id="token-created" class="token-once" hidden tabindex={-1}>
        <p class="summary-line">Copy this token now: it is shown only once.</p>
        <div class="copyable">
          <code id="token-value"></code>
          <button type="button" class="small" data-copy="#token-value">
            Copy
          </button>
        </div>
      </div>
      <div class="table-wrap">
        <table aria-labelledby="tokens-title">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Integrations</th>
              <th scope="col" class="hide-narrow">
                Created
              </th>
              <th scope="col" class="hide-narrow">
                Last used
              </th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <LoadingBody id="tokens-body" columns={5} />
        </table>
      </div>
    </section>
  );
}

function ConfirmDialog() {
  return (
    <dialog id="confirm-dialog" aria-labelledby="confirm-title" aria-describedby="confirm-message">
      <form method="dialog">
        <h2 id="confirm-title">Are you sure?</h2>
        <p id="confirm-message"></p>
        <div class="actions-bar">
          <button type="submit" value="cancel" id="confirm-cancel" autofocus>
            Cancel
          </button>
          <button type="submit" value="ok" class="danger solid" id="confirm-ok">
            Confirm
          </button>
        </div>
      </form>
    </dialog>
  );
}

export interface AdminPageProps {
  nonce: string;
  csrf: string;
  /** Only session logins have something to log out of. */
  canLogout: boolean;
  providers?: ProviderSpec[];
  /** Usage charts, last errors and status history (the Operations section). */
  operations?: OperationsOverview;
}

export function AdminPage(p: AdminPageProps) {
  const providers = p.providers ?? PROVIDERS;
  return (
    <Layout nonce={p.nonce} title="signpost admin" csrf={p.csrf} script={CLIENT_JS}>
      <TopBar>
        <div class="principal">
          <span>Principal</span>
          <code id="principal-arn">loading…</code>
        </div>
        {p.canLogout && (
          <form method="post" action="/admin/logout">
            <input type="hidden" name="csrf" value={p.csrf} />
            <button type="submit" class="small">
              Log out
            </button>
          </form>
        )}
      </TopBar>
      <main id="main">
        <p class="toast" id="global-status" role="status" aria-live="polite"></p>
        <p class="visually-hidden" id="sr-status" aria-live="polite"></p>
        <IntegrationsSection providers={providers} />
        <TokensSection />
        {p.operations && <OperationsSection overview={p.operations} nonce={p.nonce} />}
      </main>
      <ConfirmDialog />
      <script type="application/json" id="signpost-providers" nonce={p.nonce} dangerouslySetInnerHTML={{ __html: inlineJson(providers) }} />
    </Layout>
  );
}

export function renderAdminPage(p: AdminPageProps): Promise<string> {
  return renderDocument(<AdminPage {...p} />);
}
