/** One integration's panel: details, actions, validation, invites, setup documents and settings. */
import { $, h, lines, safeId, type Child } from "./dom";
import { api, describe } from "./api";
import { findIntegration, providerLabel, providerSpec, replaceIntegration, state, type Integration, type Panel } from "./state";
import { busy, confirmAction, copyable, field, renderChecks, renderDocuments, setError, setStatus, toast } from "./ui";
import { invitePanel } from "./invites";
import { loadIntegrations, renderIntegrations } from "./integrations";
import { renderTokenChoices } from "./tokens";

export function buildPanel(integId: string): Panel {
  const sid = safeId(integId);
  const current = findIntegration(integId)!; // the panel is opened from its row
  const spec = providerSpec(current.provider);
  const kv = h("dl", { class: "kv" });
  const docs = h("div");
  const docsBox = h("details", { class: "panel" }, [
    h(
      "summary",
      null,
      "Setup documents (" +
        (spec
          ? spec.documents
              .filter(function (d) {
                return !d.when || current[d.when.key] === d.when.value;
              })
              .map(function (d) {
                return d.title.toLowerCase();
              })
              .join(", ")
          : "") +
        ")",
    ),
    docs,
  ]);

  // Validate
  const sample = h("input", {
    id: "val-" + sid,
    name: "sampleKey",
    placeholder: "images/0001.jpg",
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": "val-" + sid + "-help",
  });
  const valStatus = h("span", { class: "status-line", role: "status", "aria-live": "polite" });
  const valChecks = h("div", { "data-role": "checks" });
  const valButton = h("button", { type: "submit", class: "primary", "data-action": "validate" }, "Re-validate");
  const valForm = h("form", { novalidate: true, "data-form": "validate" }, [
    field(
      "val-" + sid,
      ["Sample object key ", h("span", { class: "muted" }, "(optional)")],
      sample,
      "Checked with a presigned GET; without it the first listed key is used.",
    ),
    h("div", { class: "actions-bar" }, [valButton, valStatus]),
  ]);
  valForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    busy(valButton, async function () {
      setStatus(valStatus, "Validating\u2026");
      try {
        const body = sample.value.trim() ? { sampleKey: sample.value.trim() } : {};
        const report = await api("POST", "/integrations/" + encodeURIComponent(integId) + "/validate", body);
        renderChecks(valChecks, report);
        setStatus(valStatus, report.ok ? "Valid." : "Invalid: see the failed checks.", report.ok ? "ok" : "error");
        await loadIntegrations();
      } catch (err) {
        setStatus(valStatus, describe(err), "error");
      }
    });
  });

  // Settings (PATCH only what changed)
  const inputs = {
    name: h("input", { id: "ed-name-" + sid, maxlength: "100", autocomplete: "off" }),
    roleArn: h("input", { id: "ed-role-" + sid, placeholder: "arn:aws:iam::123456789012:role/name", autocomplete: "off", spellcheck: "false" }),
    region: h("input", { id: "ed-region-" + sid, autocomplete: "off", spellcheck: "false" }),
    urlTtlSeconds: h("input", {
      id: "ed-ttl-" + sid,
      type: "number",
      min: "60",
      max: "86400",
      step: "1",
      inputmode: "numeric",
      "aria-describedby": "ed-ttl-" + sid + "-help",
    }),
    sessionDurationSeconds: h("input", {
      id: "ed-session-" + sid,
      type: "number",
      min: "900",
      max: "43200",
      step: "1",
      inputmode: "numeric",
      "aria-describedby": "ed-session-" + sid + "-help",
    }),
    scopes: h("textarea", { id: "ed-scopes-" + sid, rows: "3", spellcheck: "false", "aria-describedby": "ed-scopes-" + sid + "-help" }),
    ipAllowlist: h("textarea", { id: "ed-ips-" + sid, rows: "3", spellcheck: "false", "aria-describedby": "ed-ips-" + sid + "-help" }),
  };
  const editError = h("div", { class: "alert", role: "alert", "data-role": "edit-error" });
  const editStatus = h("span", { class: "status-line", role: "status", "aria-live": "polite" });
  const saveButton = h("button", { type: "submit", class: "primary", "data-action": "save" }, "Save changes");
  const hasRole = current.provider === "aws_role" || current.provider === "aws_keys";
  const editForm = h("form", { novalidate: true, "data-form": "edit" }, [
    h("div", { class: "grid-2" }, [
      field("ed-name-" + sid, "Name", inputs.name),
      hasRole ? field("ed-role-" + sid, current.provider === "aws_keys" ? "Role ARN (optional)" : "Role ARN", inputs.roleArn) : null,
      field("ed-region-" + sid, "Region", inputs.region),
      field("ed-ttl-" + sid, "URL lifetime (seconds)", inputs.urlTtlSeconds, "urlTtlSeconds: 60 to 86400. Requests may ask for less with ?ttl=."),
      field("ed-session-" + sid, "Session duration (seconds)", inputs.sessionDurationSeconds, "900 to 43200; at most the role's MaxSessionDuration."),
      field("ed-scopes-" + sid, "Scopes", inputs.scopes, 'One per line: "bucket" or "bucket/prefix/". Empty = anything the role allows.'),
      field("ed-ips-" + sid, "IP allowlist", inputs.ipAllowlist, "One IP or CIDR per line, in addition to ALLOWED_IPS. Empty = no extra limit."),
    ]),
    editError,
    h("div", { class: "actions-bar" }, [saveButton, editStatus]),
  ]);

  function formValues() {
    const v: Record<string, unknown> = {
      name: inputs.name.value.trim(),
      region: inputs.region.value.trim(),
      urlTtlSeconds: inputs.urlTtlSeconds.value.trim() === "" ? null : Number(inputs.urlTtlSeconds.value),
      sessionDurationSeconds: inputs.sessionDurationSeconds.value.trim() === "" ? null : Number(inputs.sessionDurationSeconds.value),
      scopes: lines(inputs.scopes.value),
      ipAllowlist: lines(inputs.ipAllowlist.value),
    };
    if (hasRole) v.roleArn = inputs.roleArn.value.trim() || null;
    return v;
  }
  function changes(integ: Integration): Record<string, unknown> {
    const v = formValues();
    const out: Record<string, unknown> = {};
    Object.keys(v).forEach(function (k) {
      const before = integ[k] === undefined ? null : integ[k];
      if (JSON.stringify(v[k]) !== JSON.stringify(before)) out[k] = v[k];
    });
    return out;
  }
  editForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    busy(saveButton, async function () {
      setError(editError, "");
      const integ = findIntegration(integId)!;
      const patch = changes(integ);
      if (Object.keys(patch).length === 0) {
        setStatus(editStatus, "Nothing changed.");
        return;
      }
      setStatus(editStatus, "Saving\u2026");
      try {
        const updated = await api("PATCH", "/integrations/" + encodeURIComponent(integId), patch);
        replaceIntegration(updated);
        setStatus(editStatus, updated.status === "unchecked" && integ.status !== "unchecked" ? "Saved. The grant changed: validate again." : "Saved.", "ok");
        renderIntegrations();
        renderTokenChoices();
        if (docsBox.open) reload();
      } catch (err) {
        setStatus(editStatus, "");
        setError(editError, describe(err));
      }
    });
  });

  // Actions
  const actStatus = h("span", { class: "status-line", role: "status", "aria-live": "polite" });
  const defaultButton = h("button", { type: "button", "data-action": "default" }, "Set as default");
  const rotateButton = h("button", { type: "button", "data-action": "rotate" }, "Rotate External ID");
  const deleteButton = h("button", { type: "button", class: "danger", "data-action": "delete" }, "Delete integration");
  defaultButton.addEventListener("click", function () {
    busy(defaultButton, async function () {
      try {
        await api("POST", "/integrations/" + encodeURIComponent(integId) + "/default");
        setStatus(actStatus, "This is now the default integration.", "ok");
        await loadIntegrations();
      } catch (err) {
        setStatus(actStatus, describe(err), "error");
      }
    });
  });
  rotateButton.addEventListener("click", async function () {
    const integ = findIntegration(integId)!;
    const ok = await confirmAction(
      "Rotate the External ID of \u201c" + integ.name + "\u201d?",
      "signpost will use a new External ID at once. The role's trust policy must be updated with it before signpost can assume the role again.",
      "Rotate",
    );
    if (!ok) return;
    busy(rotateButton, async function () {
      try {
        const updated = await api("POST", "/integrations/" + encodeURIComponent(integId) + "/rotate-external-id");
        replaceIntegration(updated);
        renderIntegrations();
        docsBox.open = true;
        renderDocuments(docs, updated, spec);
        setStatus(actStatus, "New External ID: " + updated.externalId + ". Update the trust policy, then validate.", "ok");
      } catch (err) {
        setStatus(actStatus, describe(err), "error");
      }
    });
  });
  deleteButton.addEventListener("click", async function () {
    const integ = findIntegration(integId)!;
    const ok = await confirmAction(
      "Delete \u201c" + integ.name + "\u201d?",
      "Asset URLs that use this integration stop working at once. This cannot be undone.",
      "Delete",
    );
    if (!ok) return;
    busy(deleteButton, async function () {
      try {
        await api("DELETE", "/integrations/" + encodeURIComponent(integId));
        delete state.open[integId];
        delete state.panels[integId];
        toast("Deleted \u201c" + integ.name + "\u201d.", "ok");
        await loadIntegrations();
        $("new-integration").focus();
      } catch (err) {
        setStatus(actStatus, describe(err), "error");
      }
    });
  });

  docsBox.addEventListener("toggle", function () {
    if (docsBox.open) reload();
  });
  const invites = invitePanel(integId);

  const el = h("div", { class: "integration-panel", "data-panel": integId }, [
    h("div", { class: "panel-top" }, [
      h("div", null, [h("h3", null, "Details"), kv]),
      h("div", { class: "panel-actions" }, [h("h3", null, "Actions"), defaultButton, rotateButton, deleteButton, actStatus]),
    ]),
    h("h3", null, "Validate"),
    valForm,
    valChecks,
    h("h3", null, "Invite the bucket owner"),
    invites.el,
    docsBox,
    h("h3", null, "Settings"),
    editForm,
  ]);

  let filledAt: unknown = null;
  function fill(integ: Integration): void {
    const entries: Array<[string, Child] | null> = [
      ["ID", h("code", null, integ.id)],
      ["Provider", providerLabel(integ.provider)],
      integ.roleArn !== undefined && hasRole
        ? ["Role ARN", integ.roleArn ? h("code", null, integ.roleArn) : h("span", { class: "muted" }, "not set yet")]
        : null,
      integ.externalId ? ["External ID", copyable(integ.externalId, "External ID", { "data-testid": "panel-external-id" })] : null,
      integ.accessKeyId ? ["Access key ID", h("code", null, integ.accessKeyId)] : null,
      ["Region", integ.region],
      integ.endpoint ? ["Endpoint", h("code", null, integ.endpoint)] : null,
      ["Scopes", integ.scopes && integ.scopes.length ? integ.scopes.join(", ") : h("span", { class: "muted" }, "any (no scopes)")],
      ["URL lifetime", integ.urlTtlSeconds + " s"],
      ["Session duration", integ.sessionDurationSeconds + " s"],
      ["IP allowlist", integ.ipAllowlist && integ.ipAllowlist.length ? integ.ipAllowlist.join(", ") : h("span", { class: "muted" }, "no extra limit")],
      ["Asset URL", h("code", null, location.origin + "/v1/assets/" + (integ.isDefault ? "default" : integ.id) + "/{bucket}/{key}")],
    ];
    const rows = entries.filter((r): r is [string, Child] => r !== null);
    kv.replaceChildren(
      ...rows.flatMap(function (r) {
        return [h("dt", null, r[0]), h("dd", null, r[1])];
      }),
    );
    defaultButton.disabled = !!integ.isDefault;
    rotateButton.hidden = !integ.externalId;
    // Refill the settings form only when the integration itself changed, so a list refresh
    // (after a validation, say) does not wipe what is being typed.
    if (filledAt === integ.updatedAt) return;
    filledAt = integ.updatedAt;
    inputs.name.value = integ.name;
    inputs.roleArn.value = integ.roleArn || "";
    inputs.region.value = integ.region;
    inputs.urlTtlSeconds.value = integ.urlTtlSeconds == null ? "" : String(integ.urlTtlSeconds);
    inputs.sessionDurationSeconds.value = integ.sessionDurationSeconds == null ? "" : String(integ.sessionDurationSeconds);
    inputs.scopes.value = (integ.scopes || []).join("\n");
    inputs.ipAllowlist.value = (integ.ipAllowlist || []).join("\n");
  }

  async function reload() {
    try {
      invites.load();
      const full = await api("GET", "/integrations/" + encodeURIComponent(integId));
      renderDocuments(docs, full, spec);
      if (full.lastValidation && !valChecks.firstChild)
        renderChecks(valChecks, full.lastValidation, "Last validation: " + (full.lastValidation.ok ? "passed" : "failed"));
    } catch (err) {
      setStatus(actStatus, describe(err), "error");
    }
  }

  reload();
  return { el: el, fill: fill, reload: reload };
}
