/** The "New integration" wizard: provider fields, test connection, create, then the setup steps and validation. */
import type { ProviderSpec } from "../providers";
import { $, h, lines } from "./dom";
import { api, describe } from "./api";
import { PROVIDERS, providerSpec, state } from "./state";
import { busy, renderChecks, renderDocuments, setError, setStatus } from "./ui";
import { loadIntegrations } from "./integrations";
import { loadTokens } from "./tokens";

// ---- new integration wizard ----------------------------------------------------------------

/** An input, select or textarea of a provider's fieldset (admin/page.tsx renders them from admin/providers.ts). */
type FormField = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

const wizard = $("wizard");
const createForm = $<HTMLFormElement>("create-form");

function selectedProvider(): ProviderSpec {
  const r = createForm.querySelector<HTMLInputElement>('input[name="provider"]:checked');
  return providerSpec(r ? r.value : PROVIDERS[0]!.id)!;
}
function providerFieldset(id: string): HTMLFieldSetElement | null {
  return createForm.querySelector<HTMLFieldSetElement>('fieldset[data-provider="' + id + '"]');
}

export function showProvider() {
  const spec = selectedProvider();
  PROVIDERS.forEach(function (p) {
    const fs = providerFieldset(p.id)!;
    fs.hidden = p.id !== spec.id;
    fs.disabled = p.id !== spec.id;
  });
  $("test-connection").hidden = !spec.testConnection;
  setError($("create-error"), "");
  $("create-checks").replaceChildren();
  setStatus($("create-status"), "");
}

/** The wizard's progress: "details" → "setup" → "validate". */
function setStep(step: "details" | "setup" | "validate"): void {
  wizard.querySelectorAll(".stepper li").forEach(function (li) {
    if (li.getAttribute("data-step") === step) li.setAttribute("aria-current", "step");
    else li.removeAttribute("aria-current");
  });
}

function openWizard() {
  setStep("details");
  wizard.hidden = false;
  $("new-integration").setAttribute("aria-expanded", "true");
  createForm.hidden = false;
  $("setup").hidden = true;
  showProvider();
  const checked = createForm.querySelector<HTMLInputElement>('input[name="provider"]:checked');
  if (checked) checked.focus();
}
function closeWizard() {
  wizard.hidden = true;
  $("new-integration").setAttribute("aria-expanded", "false");
  createForm.reset();
  PROVIDERS.forEach(function (p) {
    applyPreset(p.id, true);
  });
  $<HTMLFormElement>("role-arn-form").reset();
  $("setup-checks").replaceChildren();
  setError($("setup-error"), "");
  setStatus($("setup-status"), "");
  state.wizard = null;
  showProvider();
  $("new-integration").focus();
}

// Endpoint presets: fill endpoint and region; "{region}" in a template follows the region field.
function presetFor(spec: ProviderSpec, id: string) {
  return (
    (spec.endpointPresets || []).find(function (p) {
      return p.id === id;
    }) || null
  );
}
export function applyPreset(providerId: string, keepRegion: boolean): void {
  const spec = providerSpec(providerId);
  const fs = providerFieldset(providerId);
  if (!spec || !fs) return;
  const select = fs.querySelector<HTMLSelectElement>('select[data-kind="preset"]');
  if (!select) return;
  const preset = presetFor(spec, select.value);
  if (!preset) return;
  const region = fs.querySelector<FormField>('[name="region"]');
  const endpoint = fs.querySelector<FormField>('[name="endpoint"]');
  if (region && !keepRegion) region.value = preset.region;
  if (endpoint) {
    endpoint.value = preset.endpoint.split("{region}").join(region ? region.value.trim() || "{region}" : "{region}");
    endpoint.setAttribute("data-auto", endpoint.value);
  }
  const help = fs.querySelector("[data-preset-help]");
  if (help) help.textContent = preset.help;
}
createForm.addEventListener("change", function (ev) {
  const t = ev.target as FormField;
  if (t.name === "provider") showProvider();
  if (t.getAttribute("data-kind") === "preset") applyPreset(t.closest("fieldset")?.getAttribute("data-provider") ?? "", false);
});
createForm.addEventListener("input", function (ev) {
  const t = ev.target as FormField;
  if (t.name !== "region") return;
  const fs = t.closest("fieldset[data-provider]");
  const endpoint = fs && fs.querySelector<FormField>('[name="endpoint"]');
  // Only follow the region while the endpoint is still what the preset filled in.
  if (fs && endpoint && endpoint.value === endpoint.getAttribute("data-auto")) applyPreset(fs.getAttribute("data-provider") ?? "", true);
});

/** The create body from the selected provider's fields, or an error naming the field to fix. */
function createBody(): { error: string; focus: HTMLElement } | { error?: undefined; body: Record<string, unknown>; spec: ProviderSpec } {
  const spec = selectedProvider();
  const fs = providerFieldset(spec.id)!;
  const name = $<HTMLInputElement>("f-name");
  if (!name.value.trim()) return { error: "Give the integration a name.", focus: name };
  const body: Record<string, unknown> = { name: name.value.trim(), provider: spec.id };
  for (const f of spec.fields) {
    if (f.kind === "preset") continue;
    const input = fs.querySelector<FormField>('[name="' + f.key + '"]')!;
    const raw = input.value;
    if (f.kind === "lines") {
      const list = lines(raw);
      if (list.length) body[f.key] = list;
      continue;
    }
    const v = f.kind === "secret" ? raw : raw.trim();
    if (!v) {
      if (f.required) return { error: f.label + " is required.", focus: input };
      continue;
    }
    if (f.key === "endpoint" && /[{}]/.test(v)) return { error: "Replace the {placeholder} in the endpoint URL with your own value.", focus: input };
    body[f.key] = v;
  }
  return { body: body, spec: spec };
}

/**
 * The wizard's two calls on the form's fields (create, test connection): `button` is disabled
 * meanwhile, a field to fix is focused, and a failure is shown under the form.
 */
function submitFields(button: HTMLButtonElement, working: string, call: (body: Record<string, unknown>, spec: ProviderSpec) => Promise<void>): void {
  busy(button, async function () {
    const r = createBody();
    setError($("create-error"), r.error || "");
    if (r.error !== undefined) {
      r.focus.focus();
      return;
    }
    setStatus($("create-status"), working);
    try {
      await call(r.body, r.spec);
    } catch (err) {
      setStatus($("create-status"), "");
      setError($("create-error"), describe(err));
    }
  });
}

createForm.addEventListener("submit", function (ev) {
  ev.preventDefault();
  submitFields($<HTMLButtonElement>("create-btn"), "Creating\u2026", async function (body, spec) {
    const integ = await api("POST", "/integrations", body);
    setStatus($("create-status"), "");
    state.wizard = { integration: integ, spec };
    await loadIntegrations();
    showSetup();
  });
});

$<HTMLButtonElement>("test-connection").addEventListener("click", function () {
  submitFields(this, "Testing the connection\u2026", async function (body) {
    const report = await api("POST", "/integrations", Object.assign({}, body, { dryRun: true }));
    renderChecks($("create-checks"), report, report.ok ? "Connection works: all checks passed" : "The connection test found problems");
    setStatus($("create-status"), report.ok ? "Connection works." : "Connection test failed.", report.ok ? "ok" : "error");
  });
});

function showSetup(): void {
  const w = state.wizard!; // set just before, by the create
  const integ = w.integration;
  const spec = w.spec;
  createForm.hidden = true;
  $("setup").hidden = false;
  setStep("setup");
  $("setup-title").textContent = "Set up access for \u201c" + integ.name + "\u201d";
  $("setup-steps").replaceChildren(
    ...spec.setupSteps.map(function (s) {
      return h("li", null, s);
    }),
  );
  const usesExternalId = spec.roleArnAfterCreate || !!integ.roleArn;
  showTerm($("setup-principal"), spec.roleArnAfterCreate);
  showTerm($("setup-external-id"), usesExternalId);
  $("setup-principal").textContent = state.principal ? state.principal.arn : "unavailable: " + (state.principalError || "loading");
  $("setup-external-id").textContent = integ.externalId || "";
  renderDocuments($("setup-docs"), integ, spec);
  $("role-arn-input").closest<HTMLElement>(".field")!.hidden = !spec.roleArnAfterCreate;
  $<HTMLInputElement>("role-arn-input").value = integ.roleArn || "";
  $("setup-validate").textContent = spec.roleArnAfterCreate ? "Save and validate" : "Validate";
  $("setup-title").focus();
}

/** Shows or hides the <dt>/<dd> pair around `el`. */
function showTerm(el: HTMLElement, shown: boolean): void {
  const dd = el.closest("dd")!;
  dd.hidden = !shown;
  (dd.previousElementSibling as HTMLElement).hidden = !shown;
}

$("role-arn-form").addEventListener("submit", function (ev) {
  ev.preventDefault();
  busy($<HTMLButtonElement>("setup-validate"), async function () {
    const w = state.wizard;
    if (!w) return;
    let integ = w.integration;
    setError($("setup-error"), "");
    try {
      if (w.spec.roleArnAfterCreate) {
        const arn = $<HTMLInputElement>("role-arn-input").value.trim();
        if (!arn) {
          setError($("setup-error"), "Paste the role's ARN first.");
          $("role-arn-input").focus();
          return;
        }
        if (arn !== integ.roleArn) {
          setStatus($("setup-status"), "Saving the role ARN\u2026");
          w.integration = integ = Object.assign({}, integ, await api("PATCH", "/integrations/" + encodeURIComponent(integ.id), { roleArn: arn }));
        }
      }
      setStatus($("setup-status"), "Validating\u2026");
      const sampleKey = $<HTMLInputElement>("setup-sample-key").value.trim();
      const report = await api("POST", "/integrations/" + encodeURIComponent(integ.id) + "/validate", sampleKey ? { sampleKey: sampleKey } : {});
      renderChecks($("setup-checks"), report);
      setStep("validate");
      setStatus(
        $("setup-status"),
        report.ok ? "Valid: the integration is ready." : "Invalid: fix the failed checks, then validate again.",
        report.ok ? "ok" : "error",
      );
      await loadIntegrations();
    } catch (err) {
      setStatus($("setup-status"), "");
      setError($("setup-error"), describe(err));
    }
  });
});

$("new-integration").addEventListener("click", function () {
  if (wizard.hidden) openWizard();
  else closeWizard();
});
$("wizard-cancel").addEventListener("click", closeWizard);
$("wizard-done").addEventListener("click", closeWizard);
wizard.addEventListener("keydown", function (ev) {
  if (ev.key === "Escape" && !$<HTMLDialogElement>("confirm-dialog").open) closeWizard();
});
$("refresh").addEventListener("click", function () {
  loadIntegrations();
  loadTokens();
});
