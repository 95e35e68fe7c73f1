/**
 * The admin page's script: plain ES2020 in a string, inlined with the CSP nonce (no bundler).
 *
 * It is a string rather than a serialised function because build tools rewrite function
 * bodies (esbuild's keepNames inserts `__name(...)` calls that do not exist in the browser).
 * Rules for editing: no backticks and no "${" (this is a template literal), no "</script".
 * The DOM is built with textContent only, never innerHTML, so API data cannot inject markup.
 */
export const clientScript = String.raw`
(function () {
  "use strict";
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var CSRF = csrfMeta ? csrfMeta.getAttribute("content") || "" : "";
  var PROVIDERS = JSON.parse(document.getElementById("signpost-providers").textContent || "[]");
  var state = { integrations: [], tokens: [], principal: null, principalError: null, open: {}, panels: {}, wizard: null };

  function $(id) { return document.getElementById(id); }
  function providerSpec(id) { return PROVIDERS.find(function (p) { return p.id === id; }) || null; }
  function safeId(s) { return String(s).replace(/[^A-Za-z0-9_-]/g, "_"); }

  /** h("tag", {attr: value, onclick: fn}, child | [children]) with text children only. */
  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k.slice(0, 2) === "on" && typeof v === "function") el.addEventListener(k.slice(2), v);
        else if (k === "class") el.className = v;
        else if (k === "text") el.textContent = v;
        else if (v === true) el.setAttribute(k, "");
        else el.setAttribute(k, String(v));
      });
    }
    append(el, children);
    return el;
  }
  function append(el, children) {
    if (children === null || children === undefined || children === false) return;
    if (Array.isArray(children)) { children.forEach(function (c) { append(el, c); }); return; }
    el.appendChild(typeof children === "string" || typeof children === "number" ? document.createTextNode(String(children)) : children);
  }

  // ---- API ------------------------------------------------------------------------------

  function ApiFailure(status, body) {
    var e = (body && body.error) || {};
    this.status = status;
    this.code = e.code || "http_" + status;
    this.message = e.message || "The request failed (HTTP " + status + ").";
    this.hint = e.hint || "";
    this.requestId = e.requestId || "";
  }

  async function api(method, path, body) {
    var headers = { accept: "application/json" };
    if (method !== "GET") headers["x-csrf-token"] = CSRF;
    var init = { method: method, credentials: "same-origin", headers: headers };
    if (body !== undefined) { headers["content-type"] = "application/json"; init.body = JSON.stringify(body); }
    var res;
    try { res = await fetch("/admin/api" + path, init); }
    catch (err) { throw new ApiFailure(0, { error: { message: "signpost did not answer: " + (err && err.message ? err.message : "network error") + "." } }); }
    var text = await res.text();
    var data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
    if (!res.ok) throw new ApiFailure(res.status, data);
    return data;
  }

  function describe(err) {
    if (!(err instanceof ApiFailure)) return String(err && err.message ? err.message : err);
    if (err.status === 401) return "Your session has ended. Reload the page to log in again.";
    var s = err.message;
    if (err.hint) s += " " + err.hint;
    if (err.requestId) s += " (request " + err.requestId + ")";
    return s;
  }

  // ---- small UI pieces --------------------------------------------------------------------

  function announce(text) { var s = $("sr-status"); s.textContent = ""; setTimeout(function () { s.textContent = text; }, 30); }
  function setStatus(el, text, kind) { el.textContent = text || ""; el.className = "status-line" + (kind ? " " + kind : ""); }
  function setError(el, text) { el.textContent = text || ""; }
  var toastTimer = 0;
  /** Page-level news at the bottom of the screen; successes fade, errors stay until the next one. */
  function toast(text, kind) {
    var el = $("global-status");
    clearTimeout(toastTimer);
    el.textContent = text;
    el.className = "toast" + (kind ? " " + kind : "");
    if (kind !== "error") toastTimer = setTimeout(function () { el.textContent = ""; }, 5000);
  }

  /** Disables a button while work runs, so double clicks do not double-create. */
  async function busy(button, work) {
    if (button) button.disabled = true;
    try { return await work(); } finally { if (button) button.disabled = false; }
  }

  var BADGE = { pass: "\u2713 pass", fail: "\u2717 fail", warn: "! warn", skip: "\u2013 skip", valid: "\u2713 valid", invalid: "\u2717 invalid", unchecked: "? unchecked" };
  function badge(status) { return h("span", { class: "badge " + status, "data-status": status }, BADGE[status] || status); }

  function when(iso, never) {
    if (!iso) return h("span", { class: "muted" }, never || "never");
    var d = new Date(iso);
    var secs = Math.round((Date.now() - d.getTime()) / 1000);
    var rel;
    if (secs < 45) rel = "just now";
    else if (secs < 3600) rel = Math.round(secs / 60) + " min ago";
    else if (secs < 86400) rel = Math.round(secs / 3600) + " h ago";
    else rel = d.toLocaleDateString();
    return h("time", { datetime: iso, title: d.toLocaleString() }, rel);
  }

  function lines(text) {
    return String(text || "").split(/[\n,]/).map(function (s) { return s.trim(); }).filter(Boolean);
  }

  var copySeq = 0;
  function copyable(text, label, attrs) {
    var id = "copy-" + (++copySeq);
    var codeAttrs = Object.assign({ id: id }, attrs || {});
    return h("div", { class: "copyable" }, [
      h("code", codeAttrs, text),
      h("button", { type: "button", class: "small", "data-copy": "#" + id, "aria-label": "Copy " + label }, "Copy"),
    ]);
  }

  function selectText(el) {
    if (el.select) { el.focus(); el.select(); return; }
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  // Copy buttons anywhere on the page: data-copy="#target". The clipboard API needs a secure
  // context and permission; when it is refused the text is selected for Ctrl+C instead.
  document.addEventListener("click", async function (ev) {
    var btn = ev.target && ev.target.closest ? ev.target.closest("button[data-copy]") : null;
    if (!btn) return;
    var target = document.querySelector(btn.getAttribute("data-copy"));
    if (!target) return;
    var text = target.value !== undefined && target.tagName !== "CODE" && target.tagName !== "PRE" ? target.value : target.textContent;
    var original = btn.getAttribute("data-label") || btn.textContent;
    btn.setAttribute("data-label", original);
    try {
      if (!navigator.clipboard || !window.isSecureContext) throw new Error("no clipboard");
      await navigator.clipboard.writeText(text);
      btn.textContent = "Copied \u2713";
      announce("Copied to the clipboard.");
    } catch (e) {
      selectText(target);
      btn.textContent = "Selected: press Ctrl+C";
      announce("The text is selected: press Control+C (Command+C on a Mac) to copy it.");
    }
    setTimeout(function () { btn.textContent = original; }, 2500);
  });

  function renderChecks(container, report, title) {
    var checks = report.checks || [];
    var failed = checks.filter(function (c) { return c.status === "fail"; }).length;
    var heading = title || (report.ok ? "All checks passed" : failed + " check" + (failed === 1 ? "" : "s") + " failed");
    container.replaceChildren(
      h("p", { class: "summary-line " + (report.ok ? "ok" : "error") }, [
        heading,
        report.checkedAt ? h("span", { class: "muted" }, [" \u00b7 checked ", when(report.checkedAt)]) : null,
      ]),
      h("ul", { class: "checks", "aria-label": "Validation checks" }, checks.map(function (c) {
        return h("li", { "data-check": c.name, "data-status": c.status }, [
          badge(c.status),
          h("span", { class: "name" }, c.name),
          h("span", { class: "msg" }, c.message || ""),
          c.hint ? h("span", { class: "hint" }, "Hint: " + c.hint) : null,
        ]);
      })),
    );
  }

  function renderDocuments(container, integ, spec) {
    var docs = (spec ? spec.documents : []).filter(function (d) {
      return integ[d.key] !== undefined && (!d.when || integ[d.when.key] === d.when.value);
    });
    container.replaceChildren.apply(container, docs.map(function (d) {
      var id = "doc-" + safeId(integ.id) + "-" + d.key + "-" + (++copySeq);
      return h("div", { class: "doc", "data-doc": d.key }, [
        h("div", { class: "doc-head" }, [
          h("h4", { id: id + "-title" }, d.title),
          h("button", { type: "button", class: "small", "data-copy": "#" + id, "aria-label": "Copy " + d.title }, "Copy"),
        ]),
        h("p", { class: "help" }, d.help),
        h("pre", { tabindex: "0", "aria-labelledby": id + "-title" }, h("code", { id: id }, typeof integ[d.key] === "string" ? integ[d.key] : JSON.stringify(integ[d.key], null, 2))),
      ]);
    }));
  }

  // ---- confirmation dialog (native <dialog>: it traps focus; we return it to the opener) ----

  function confirmAction(title, message, okLabel) {
    var d = $("confirm-dialog");
    var opener = document.activeElement;
    $("confirm-title").textContent = title;
    $("confirm-message").textContent = message;
    $("confirm-ok").textContent = okLabel;
    if (typeof d.showModal !== "function") return Promise.resolve(window.confirm(title + "\n\n" + message));
    return new Promise(function (resolve) {
      d.addEventListener("close", function () {
        if (opener && opener.focus && document.contains(opener)) opener.focus();
        resolve(d.returnValue === "ok");
      }, { once: true });
      d.returnValue = "";
      d.showModal();
      $("confirm-cancel").focus();
    });
  }

  // ---- principal ------------------------------------------------------------------------

  async function loadPrincipal() {
    try {
      state.principal = await api("GET", "/principal");
      $("principal-arn").textContent = state.principal.arn;
    } catch (err) {
      state.principalError = describe(err);
      $("principal-arn").textContent = "unavailable";
      $("principal-arn").title = state.principalError;
    }
    var s = $("setup-principal");
    if (s) s.textContent = state.principal ? state.principal.arn : "unavailable: " + (state.principalError || "");
  }

  // ---- integrations list ---------------------------------------------------------------------

  async function loadIntegrations() {
    try {
      var data = await api("GET", "/integrations");
      state.integrations = data.integrations || [];
      renderIntegrations();
      renderTokenChoices();
    } catch (err) {
      toast("Could not load integrations: " + describe(err), "error");
    }
  }

  function providerLabel(id) { var p = providerSpec(id); return p ? p.label : id; }

  function renderIntegrations() {
    var body = $("integrations-body");
    if (state.integrations.length === 0) {
      body.replaceChildren(h("tr", null, h("td", { colspan: "7", class: "empty" }, "No integrations yet. Choose \u201cNew integration\u201d to add a bucket owner's grant.")));
      return;
    }
    var rows = [];
    state.integrations.forEach(function (integ) {
      var pid = "panel-" + safeId(integ.id);
      var open = !!state.open[integ.id];
      rows.push(h("tr", { "data-integration": integ.id, "data-name": integ.name }, [
        h("td", null, [h("strong", null, integ.name), h("div", { class: "muted mono hide-narrow" }, integ.id)]),
        h("td", { class: "hide-narrow" }, providerLabel(integ.provider)),
        h("td", { "data-col": "status" }, badge(integ.status)),
        h("td", { class: "hide-narrow" }, when(integ.lastCheckedAt)),
        h("td", { class: "hide-narrow" }, when(integ.lastUsedAt)),
        h("td", null, integ.isDefault ? h("span", { class: "badge default" }, "\u2605 default") : h("span", { class: "muted" }, "\u2014")),
        h("td", { class: "actions" }, h("button", {
          type: "button", class: "small", "aria-expanded": open ? "true" : "false", "aria-controls": pid,
          "data-action": "manage",
          onclick: function () { togglePanel(integ.id, this); },
        }, [open ? "Close" : "Manage", h("span", { class: "visually-hidden" }, " " + integ.name)])),
      ]));
      if (open) {
        var panel = state.panels[integ.id] || (state.panels[integ.id] = buildPanel(integ.id));
        panel.fill(integ);
        rows.push(h("tr", { class: "detail", id: pid }, h("td", { colspan: "7" }, panel.el)));
      }
    });
    body.replaceChildren.apply(body, rows);
  }

  function togglePanel(id, button) {
    state.open[id] = !state.open[id];
    if (state.open[id] && state.panels[id]) state.panels[id].reload();
    renderIntegrations();
    var again = document.querySelector('tr[data-integration="' + CSS.escape(id) + '"] button[data-action="manage"]');
    if (again) again.focus();
    void button;
  }

  function findIntegration(id) { return state.integrations.find(function (i) { return i.id === id; }) || null; }
  function replaceIntegration(updated) {
    state.integrations = state.integrations.map(function (i) { return i.id === updated.id ? Object.assign({}, i, updated) : i; });
  }

  // ---- one integration's panel ---------------------------------------------------------------

  function field(id, label, input, help) {
    return h("div", { class: "field" }, [h("label", { for: id }, label), input, help ? h("p", { class: "help", id: id + "-help" }, help) : null]);
  }

  // ---- invites: a link for the bucket owner to finish the setup alone -------------------------

  var EXPIRY_CHOICES = [["3600", "1 hour"], ["86400", "1 day"], ["604800", "7 days"]];

  function invitePanel(integId) {
    var sid = safeId(integId);
    var expiry = h("select", { id: "inv-exp-" + sid, name: "expiresInSeconds" }, EXPIRY_CHOICES.map(function (c) { return h("option", { value: c[0], selected: c[0] === "86400" }, c[1]); }));
    var createButton = h("button", { type: "submit", "data-action": "invite" }, "Invite the bucket owner");
    var status = h("span", { class: "status-line", role: "status", "aria-live": "polite" });
    var created = h("div", { class: "token-once", hidden: true, tabindex: "-1", "data-role": "invite-created" });
    var body = h("tbody");
    var table = h("div", { class: "table-wrap", hidden: true }, h("table", { "aria-label": "Invites" }, [
      h("thead", null, h("tr", null, [h("th", { scope: "col" }, "Created"), h("th", { scope: "col" }, "Expires"), h("th", { scope: "col" }, "Opened"), h("th", { scope: "col" }, "State"), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions"))])),
      body,
    ]));
    var form = h("form", { novalidate: true, "data-form": "invite" }, [
      h("p", { class: "help" }, "A link for the bucket owner: they see this integration's setup steps and one-paste scripts, register their role and validate, without admin access. The link is shown once."),
      h("div", { class: "row" }, [field("inv-exp-" + sid, "Link valid for", expiry), createButton, status]),
    ]);

    function stateOf(inv) {
      if (inv.revokedAt) return "revoked";
      if (Date.parse(inv.expiresAt) <= Date.now()) return "expired";
      return "active";
    }

    async function load() {
      try {
        var list = (await api("GET", "/integrations/" + encodeURIComponent(integId) + "/invites")).invites || [];
        table.hidden = list.length === 0;
        body.replaceChildren.apply(body, list.map(function (inv) {
          var st = stateOf(inv);
          var revoke = h("button", { type: "button", class: "small danger", "data-action": "revoke-invite", "aria-label": "Revoke the invite created " + new Date(inv.createdAt).toLocaleString() }, "Revoke");
          revoke.hidden = st !== "active";
          revoke.addEventListener("click", async function () {
            var ok = await confirmAction("Revoke this invite?", "The link stops working at once. What the owner already registered stays.", "Revoke");
            if (!ok) return;
            busy(revoke, async function () {
              try {
                await api("DELETE", "/invites/" + encodeURIComponent(inv.id));
                setStatus(status, "Invite revoked.", "ok");
                await load();
              } catch (err) { setStatus(status, describe(err), "error"); }
            });
          });
          return h("tr", { "data-invite": inv.id, "data-state": st }, [
            h("td", null, when(inv.createdAt)),
            h("td", null, h("time", { datetime: inv.expiresAt, title: new Date(inv.expiresAt).toLocaleString() }, new Date(inv.expiresAt).toLocaleString())),
            h("td", null, when(inv.usedAt, "not yet")),
            h("td", null, st),
            h("td", { class: "actions" }, revoke),
          ]);
        }));
      } catch (err) { setStatus(status, describe(err), "error"); }
    }

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      busy(createButton, async function () {
        setStatus(status, "Creating\u2026");
        try {
          var inv = await api("POST", "/integrations/" + encodeURIComponent(integId) + "/invites", { expiresInSeconds: Number(expiry.value) });
          created.replaceChildren(
            h("p", { class: "summary-line" }, "Send this link to the bucket owner. It is shown only once and expires " + new Date(inv.expiresAt).toLocaleString() + "."),
            copyable(inv.url, "the invite link", { "data-testid": "invite-url" }),
          );
          created.hidden = false;
          created.focus();
          setStatus(status, "");
          await load();
        } catch (err) { setStatus(status, describe(err), "error"); }
      });
    });

    return { el: h("div", { "data-role": "invites" }, [form, created, table]), load: load };
  }

  function buildPanel(integId) {
    var sid = safeId(integId);
    var current = findIntegration(integId);
    var spec = providerSpec(current.provider);
    var kv = h("dl", { class: "kv" });
    var docs = h("div");
    var docsBox = h("details", { class: "panel" }, [h("summary", null, "Setup documents (" + (spec ? spec.documents.filter(function (d) { return !d.when || current[d.when.key] === d.when.value; }).map(function (d) { return d.title.toLowerCase(); }).join(", ") : "") + ")"), docs]);

    // Validate
    var sample = h("input", { id: "val-" + sid, name: "sampleKey", placeholder: "images/0001.jpg", autocomplete: "off", spellcheck: "false", "aria-describedby": "val-" + sid + "-help" });
    var valStatus = h("span", { class: "status-line", role: "status", "aria-live": "polite" });
    var valChecks = h("div", { "data-role": "checks" });
    var valButton = h("button", { type: "submit", class: "primary", "data-action": "validate" }, "Re-validate");
    var valForm = h("form", { novalidate: true, "data-form": "validate" }, [
      field("val-" + sid, ["Sample object key ", h("span", { class: "muted" }, "(optional)")], sample, "Checked with a presigned GET; without it the first listed key is used."),
      h("div", { class: "actions-bar" }, [valButton, valStatus]),
    ]);
    valForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      busy(valButton, async function () {
        setStatus(valStatus, "Validating\u2026");
        try {
          var body = sample.value.trim() ? { sampleKey: sample.value.trim() } : {};
          var report = await api("POST", "/integrations/" + encodeURIComponent(integId) + "/validate", body);
          renderChecks(valChecks, report);
          setStatus(valStatus, report.ok ? "Valid." : "Invalid: see the failed checks.", report.ok ? "ok" : "error");
          await loadIntegrations();
        } catch (err) { setStatus(valStatus, describe(err), "error"); }
      });
    });

    // Settings (PATCH only what changed)
    var inputs = {
      name: h("input", { id: "ed-name-" + sid, maxlength: "100", autocomplete: "off" }),
      roleArn: h("input", { id: "ed-role-" + sid, placeholder: "arn:aws:iam::123456789012:role/name", autocomplete: "off", spellcheck: "false" }),
      region: h("input", { id: "ed-region-" + sid, autocomplete: "off", spellcheck: "false" }),
      urlTtlSeconds: h("input", { id: "ed-ttl-" + sid, type: "number", min: "60", max: "86400", step: "1", inputmode: "numeric", "aria-describedby": "ed-ttl-" + sid + "-help" }),
      sessionDurationSeconds: h("input", { id: "ed-session-" + sid, type: "number", min: "900", max: "43200", step: "1", inputmode: "numeric", "aria-describedby": "ed-session-" + sid + "-help" }),
      scopes: h("textarea", { id: "ed-scopes-" + sid, rows: "3", spellcheck: "false", "aria-describedby": "ed-scopes-" + sid + "-help" }),
      ipAllowlist: h("textarea", { id: "ed-ips-" + sid, rows: "3", spellcheck: "false", "aria-describedby": "ed-ips-" + sid + "-help" }),
    };
    var editError = h("div", { class: "alert", role: "alert", "data-role": "edit-error" });
    var editStatus = h("span", { class: "status-line", role: "status", "aria-live": "polite" });
    var saveButton = h("button", { type: "submit", class: "primary", "data-action": "save" }, "Save changes");
    var hasRole = current.provider === "aws_role" || current.provider === "aws_keys";
    var editForm = h("form", { novalidate: true, "data-form": "edit" }, [
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
      var v = {
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
    function changes(integ) {
      var v = formValues();
      var out = {};
      Object.keys(v).forEach(function (k) {
        var before = integ[k] === undefined ? null : integ[k];
        if (JSON.stringify(v[k]) !== JSON.stringify(before)) out[k] = v[k];
      });
      return out;
    }
    editForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      busy(saveButton, async function () {
        setError(editError, "");
        var integ = findIntegration(integId);
        var patch = changes(integ);
        if (Object.keys(patch).length === 0) { setStatus(editStatus, "Nothing changed."); return; }
        setStatus(editStatus, "Saving\u2026");
        try {
          var updated = await api("PATCH", "/integrations/" + encodeURIComponent(integId), patch);
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
    var actStatus = h("span", { class: "status-line", role: "status", "aria-live": "polite" });
    var defaultButton = h("button", { type: "button", "data-action": "default" }, "Set as default");
    var rotateButton = h("button", { type: "button", "data-action": "rotate" }, "Rotate External ID");
    var deleteButton = h("button", { type: "button", class: "danger", "data-action": "delete" }, "Delete integration");
    defaultButton.addEventListener("click", function () {
      busy(defaultButton, async function () {
        try {
          await api("POST", "/integrations/" + encodeURIComponent(integId) + "/default");
          setStatus(actStatus, "This is now the default integration.", "ok");
          await loadIntegrations();
        } catch (err) { setStatus(actStatus, describe(err), "error"); }
      });
    });
    rotateButton.addEventListener("click", async function () {
      var integ = findIntegration(integId);
      var ok = await confirmAction("Rotate the External ID of \u201c" + integ.name + "\u201d?", "signpost will use a new External ID at once. The role's trust policy must be updated with it before signpost can assume the role again.", "Rotate");
      if (!ok) return;
      busy(rotateButton, async function () {
        try {
          var updated = await api("POST", "/integrations/" + encodeURIComponent(integId) + "/rotate-external-id");
          replaceIntegration(updated);
          renderIntegrations();
          docsBox.open = true;
          renderDocuments(docs, updated, spec);
          setStatus(actStatus, "New External ID: " + updated.externalId + ". Update the trust policy, then validate.", "ok");
        } catch (err) { setStatus(actStatus, describe(err), "error"); }
      });
    });
    deleteButton.addEventListener("click", async function () {
      var integ = findIntegration(integId);
      var ok = await confirmAction("Delete \u201c" + integ.name + "\u201d?", "Asset URLs that use this integration stop working at once. This cannot be undone.", "Delete");
      if (!ok) return;
      busy(deleteButton, async function () {
        try {
          await api("DELETE", "/integrations/" + encodeURIComponent(integId));
          delete state.open[integId];
          delete state.panels[integId];
          toast("Deleted \u201c" + integ.name + "\u201d.", "ok");
          await loadIntegrations();
          $("new-integration").focus();
        } catch (err) { setStatus(actStatus, describe(err), "error"); }
      });
    });

    docsBox.addEventListener("toggle", function () { if (docsBox.open) reload(); });
    var invites = invitePanel(integId);

    var el = h("div", { class: "integration-panel", "data-panel": integId }, [
      h("div", { class: "panel-top" }, [
        h("div", null, [h("h3", null, "Details"), kv]),
        h("div", { class: "panel-actions" }, [h("h3", null, "Actions"), defaultButton, rotateButton, deleteButton, actStatus]),
      ]),
      h("h3", null, "Validate"), valForm, valChecks,
      h("h3", null, "Invite the bucket owner"), invites.el,
      docsBox,
      h("h3", null, "Settings"), editForm,
    ]);

    var filledAt = null;
    function fill(integ) {
      var rows = [
        ["ID", h("code", null, integ.id)],
        ["Provider", providerLabel(integ.provider)],
        integ.roleArn !== undefined && hasRole ? ["Role ARN", integ.roleArn ? h("code", null, integ.roleArn) : h("span", { class: "muted" }, "not set yet")] : null,
        integ.externalId ? ["External ID", copyable(integ.externalId, "External ID", { "data-testid": "panel-external-id" })] : null,
        integ.accessKeyId ? ["Access key ID", h("code", null, integ.accessKeyId)] : null,
        ["Region", integ.region],
        integ.endpoint ? ["Endpoint", h("code", null, integ.endpoint)] : null,
        ["Scopes", integ.scopes && integ.scopes.length ? integ.scopes.join(", ") : h("span", { class: "muted" }, "any (no scopes)")],
        ["URL lifetime", integ.urlTtlSeconds + " s"],
        ["Session duration", integ.sessionDurationSeconds + " s"],
        ["IP allowlist", integ.ipAllowlist && integ.ipAllowlist.length ? integ.ipAllowlist.join(", ") : h("span", { class: "muted" }, "no extra limit")],
        ["Asset URL", h("code", null, location.origin + "/v1/assets/" + (integ.isDefault ? "default" : integ.id) + "/{bucket}/{key}")],
      ].filter(Boolean);
      kv.replaceChildren.apply(kv, rows.flatMap(function (r) { return [h("dt", null, r[0]), h("dd", null, r[1])]; }));
      defaultButton.disabled = !!integ.isDefault;
      rotateButton.hidden = !integ.externalId;
      // Refill the settings form only when the integration itself changed, so a list refresh
      // (after a validation, say) does not wipe what is being typed.
      if (filledAt === integ.updatedAt) return;
      filledAt = integ.updatedAt;
      inputs.name.value = integ.name;
      inputs.roleArn.value = integ.roleArn || "";
      inputs.region.value = integ.region;
      inputs.urlTtlSeconds.value = integ.urlTtlSeconds;
      inputs.sessionDurationSeconds.value = integ.sessionDurationSeconds;
      inputs.scopes.value = (integ.scopes || []).join("\n");
      inputs.ipAllowlist.value = (integ.ipAllowlist || []).join("\n");
    }

    async function reload() {
      try {
        invites.load();
        var full = await api("GET", "/integrations/" + encodeURIComponent(integId));
        renderDocuments(docs, full, spec);
        if (full.lastValidation && !valChecks.firstChild) renderChecks(valChecks, full.lastValidation, "Last validation: " + (full.lastValidation.ok ? "passed" : "failed"));
      } catch (err) { setStatus(actStatus, describe(err), "error"); }
    }

    reload();
    return { el: el, fill: fill, reload: reload };
  }

  // ---- new integration wizard ----------------------------------------------------------------

  var wizard = $("wizard");
  var createForm = $("create-form");

  function selectedProvider() {
    var r = createForm.querySelector('input[name="provider"]:checked');
    return providerSpec(r ? r.value : PROVIDERS[0].id);
  }
  function providerFieldset(id) { return createForm.querySelector('fieldset[data-provider="' + id + '"]'); }

  function showProvider() {
    var spec = selectedProvider();
    PROVIDERS.forEach(function (p) {
      var fs = providerFieldset(p.id);
      fs.hidden = p.id !== spec.id;
      fs.disabled = p.id !== spec.id;
    });
    $("test-connection").hidden = !spec.testConnection;
    setError($("create-error"), "");
    $("create-checks").replaceChildren();
    setStatus($("create-status"), "");
  }

  /** The wizard's progress: "details" → "setup" → "validate". */
  function setStep(step) {
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
    var checked = createForm.querySelector('input[name="provider"]:checked');
    if (checked) checked.focus();
  }
  function closeWizard() {
    wizard.hidden = true;
    $("new-integration").setAttribute("aria-expanded", "false");
    createForm.reset();
    PROVIDERS.forEach(function (p) { applyPreset(p.id, true); });
    $("role-arn-form").reset();
    $("setup-checks").replaceChildren();
    setError($("setup-error"), "");
    setStatus($("setup-status"), "");
    state.wizard = null;
    showProvider();
    $("new-integration").focus();
  }

  // Endpoint presets: fill endpoint and region; "{region}" in a template follows the region field.
  function presetFor(spec, id) { return (spec.endpointPresets || []).find(function (p) { return p.id === id; }) || null; }
  function applyPreset(providerId, keepRegion) {
    var spec = providerSpec(providerId);
    var fs = providerFieldset(providerId);
    if (!spec || !fs) return;
    var select = fs.querySelector('select[data-kind="preset"]');
    if (!select) return;
    var preset = presetFor(spec, select.value);
    if (!preset) return;
    var region = fs.querySelector('[name="region"]');
    var endpoint = fs.querySelector('[name="endpoint"]');
    if (region && !keepRegion) region.value = preset.region;
    if (endpoint) {
      endpoint.value = preset.endpoint.split("{region}").join(region ? region.value.trim() || "{region}" : "{region}");
      endpoint.setAttribute("data-auto", endpoint.value);
    }
    var help = fs.querySelector("[data-preset-help]");
    if (help) help.textContent = preset.help;
  }
  createForm.addEventListener("change", function (ev) {
    var t = ev.target;
    if (t.name === "provider") showProvider();
    if (t.getAttribute && t.getAttribute("data-kind") === "preset") applyPreset(t.closest("fieldset").getAttribute("data-provider"), false);
  });
  createForm.addEventListener("input", function (ev) {
    var t = ev.target;
    if (t.name !== "region") return;
    var fs = t.closest("fieldset[data-provider]");
    var endpoint = fs && fs.querySelector('[name="endpoint"]');
    // Only follow the region while the endpoint is still what the preset filled in.
    if (endpoint && endpoint.value === endpoint.getAttribute("data-auto")) applyPreset(fs.getAttribute("data-provider"), true);
  });

  /** The create body from the selected provider's fields, or an error naming the field to fix. */
  function createBody() {
    var spec = selectedProvider();
    var fs = providerFieldset(spec.id);
    var name = $("f-name");
    if (!name.value.trim()) return { error: "Give the integration a name.", focus: name };
    var body = { name: name.value.trim(), provider: spec.id };
    for (var i = 0; i < spec.fields.length; i++) {
      var f = spec.fields[i];
      if (f.kind === "preset") continue;
      var input = fs.querySelector('[name="' + f.key + '"]');
      var raw = input.value;
      if (f.kind === "lines") { var list = lines(raw); if (list.length) body[f.key] = list; continue; }
      var v = f.kind === "secret" ? raw : raw.trim();
      if (!v) {
        if (f.required) return { error: f.label + " is required.", focus: input };
        continue;
      }
      if (f.key === "endpoint" && /[{}]/.test(v)) return { error: "Replace the {placeholder} in the endpoint URL with your own value.", focus: input };
      body[f.key] = v;
    }
    return { body: body, spec: spec };
  }

  createForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    busy($("create-btn"), async function () {
      var r = createBody();
      setError($("create-error"), r.error || "");
      if (r.error) { r.focus.focus(); return; }
      setStatus($("create-status"), "Creating\u2026");
      try {
        var integ = await api("POST", "/integrations", r.body);
        setStatus($("create-status"), "");
        state.wizard = { integration: integ, spec: r.spec };
        await loadIntegrations();
        showSetup();
      } catch (err) {
        setStatus($("create-status"), "");
        setError($("create-error"), describe(err));
      }
    });
  });

  $("test-connection").addEventListener("click", function () {
    var button = this;
    busy(button, async function () {
      var r = createBody();
      setError($("create-error"), r.error || "");
      if (r.error) { r.focus.focus(); return; }
      setStatus($("create-status"), "Testing the connection\u2026");
      try {
        var report = await api("POST", "/integrations", Object.assign({}, r.body, { dryRun: true }));
        renderChecks($("create-checks"), report, report.ok ? "Connection works: all checks passed" : "The connection test found problems");
        setStatus($("create-status"), report.ok ? "Connection works." : "Connection test failed.", report.ok ? "ok" : "error");
      } catch (err) {
        setStatus($("create-status"), "");
        setError($("create-error"), describe(err));
      }
    });
  });

  function showSetup() {
    var w = state.wizard;
    var integ = w.integration;
    var spec = w.spec;
    createForm.hidden = true;
    $("setup").hidden = false;
    setStep("setup");
    $("setup-title").textContent = "Set up access for \u201c" + integ.name + "\u201d";
    $("setup-steps").replaceChildren.apply($("setup-steps"), spec.setupSteps.map(function (s) { return h("li", null, s); }));
    var usesExternalId = spec.roleArnAfterCreate || !!integ.roleArn;
    $("setup-principal").closest("dd").hidden = !spec.roleArnAfterCreate;
    $("setup-principal").closest("dd").previousElementSibling.hidden = !spec.roleArnAfterCreate;
    $("setup-external-id").closest("dd").hidden = !usesExternalId;
    $("setup-external-id").closest("dd").previousElementSibling.hidden = !usesExternalId;
    $("setup-principal").textContent = state.principal ? state.principal.arn : "unavailable: " + (state.principalError || "loading");
    $("setup-external-id").textContent = integ.externalId || "";
    renderDocuments($("setup-docs"), integ, spec);
    var roleField = $("role-arn-input").closest(".field");
    roleField.hidden = !spec.roleArnAfterCreate;
    $("role-arn-input").value = integ.roleArn || "";
    $("setup-validate").textContent = spec.roleArnAfterCreate ? "Save and validate" : "Validate";
    $("setup-title").focus();
  }

  $("role-arn-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    busy($("setup-validate"), async function () {
      var w = state.wizard;
      if (!w) return;
      var integ = w.integration;
      setError($("setup-error"), "");
      try {
        if (w.spec.roleArnAfterCreate) {
          var arn = $("role-arn-input").value.trim();
          if (!arn) { setError($("setup-error"), "Paste the role's ARN first."); $("role-arn-input").focus(); return; }
          if (arn !== integ.roleArn) {
            setStatus($("setup-status"), "Saving the role ARN\u2026");
            w.integration = integ = Object.assign({}, integ, await api("PATCH", "/integrations/" + encodeURIComponent(integ.id), { roleArn: arn }));
          }
        }
        setStatus($("setup-status"), "Validating\u2026");
        var sampleKey = $("setup-sample-key").value.trim();
        var report = await api("POST", "/integrations/" + encodeURIComponent(integ.id) + "/validate", sampleKey ? { sampleKey: sampleKey } : {});
        renderChecks($("setup-checks"), report);
        setStep("validate");
        setStatus($("setup-status"), report.ok ? "Valid: the integration is ready." : "Invalid: fix the failed checks, then validate again.", report.ok ? "ok" : "error");
        await loadIntegrations();
      } catch (err) {
        setStatus($("setup-status"), "");
        setError($("setup-error"), describe(err));
      }
    });
  });

  $("new-integration").addEventListener("click", function () { if (wizard.hidden) openWizard(); else closeWizard(); });
  $("wizard-cancel").addEventListener("click", closeWizard);
  $("wizard-done").addEventListener("click", closeWizard);
  wizard.addEventListener("keydown", function (ev) { if (ev.key === "Escape" && !$("confirm-dialog").open) closeWizard(); });
  $("refresh").addEventListener("click", function () { loadIntegrations(); loadTokens(); });

  // ---- API tokens ----------------------------------------------------------------------------

  function renderTokenChoices() {
    var box = $("token-integration-list");
    var checked = {};
    box.querySelectorAll("input:checked").forEach(function (i) { checked[i.value] = true; });
    if (state.integrations.length === 0) { box.replaceChildren("No integrations yet."); box.className = "muted"; return; }
    box.className = "";
    box.replaceChildren.apply(box, state.integrations.map(function (integ) {
      var id = "tok-int-" + safeId(integ.id);
      return h("div", { class: "row" }, [
        h("input", { type: "checkbox", id: id, name: "integrations", value: integ.id, checked: !!checked[integ.id] }),
        h("label", { for: id, class: "muted" }, integ.name),
      ]);
    }));
    renderTokens();
  }

  async function loadTokens() {
    try {
      var data = await api("GET", "/tokens");
      state.tokens = data.tokens || [];
      renderTokens();
    } catch (err) {
      setStatus($("token-status"), "Could not load tokens: " + describe(err), "error");
    }
  }

  function integrationNames(ids) {
    if (!ids || ids.length === 0) return h("span", { class: "muted" }, "all");
    return ids.map(function (id) { var i = findIntegration(id); return i ? i.name : id; }).join(", ");
  }

  function renderTokens() {
    var body = $("tokens-body");
    if (state.tokens.length === 0) {
      body.replaceChildren(h("tr", null, h("td", { colspan: "5", class: "empty" }, "No API tokens yet.")));
      return;
    }
    body.replaceChildren.apply(body, state.tokens.map(function (t) {
      return h("tr", { "data-token": t.id }, [
        h("td", null, [h("strong", null, t.name), h("div", { class: "muted mono" }, t.id)]),
        h("td", null, integrationNames(t.integrations)),
        h("td", { class: "hide-narrow" }, when(t.createdAt)),
        h("td", { class: "hide-narrow" }, when(t.lastUsedAt)),
        h("td", { class: "actions" }, h("button", { type: "button", class: "small danger", "data-action": "revoke", onclick: function () { revokeToken(t, this); } },
          ["Revoke", h("span", { class: "visually-hidden" }, " " + t.name)])),
      ]);
    }));
  }

  async function revokeToken(t, button) {
    var ok = await confirmAction("Revoke \u201c" + t.name + "\u201d?", "Requests that use this token are refused from now on. This cannot be undone.", "Revoke");
    if (!ok) return;
    busy(button, async function () {
      try {
        await api("DELETE", "/tokens/" + encodeURIComponent(t.id));
        setStatus($("token-status"), "Revoked \u201c" + t.name + "\u201d.", "ok");
        if ($("token-created").getAttribute("data-token") === t.id) $("token-created").hidden = true;
        await loadTokens();
        $("token-name").focus();
      } catch (err) { setStatus($("token-status"), describe(err), "error"); }
    });
  }

  $("token-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var form = this;
    busy(form.querySelector('button[type="submit"]'), async function () {
      setError($("token-error"), "");
      var name = $("token-name").value.trim();
      if (!name) { setError($("token-error"), "Give the token a name."); $("token-name").focus(); return; }
      var ids = Array.prototype.map.call(form.querySelectorAll('input[name="integrations"]:checked'), function (i) { return i.value; });
      try {
        var created = await api("POST", "/tokens", ids.length ? { name: name, integrations: ids } : { name: name });
        $("token-value").textContent = created.token;
        $("token-created").setAttribute("data-token", created.id);
        $("token-created").hidden = false;
        $("token-created").focus();
        form.reset();
        setStatus($("token-status"), "Created \u201c" + created.name + "\u201d.", "ok");
        await loadTokens();
      } catch (err) { setError($("token-error"), describe(err)); }
    });
  });

  // ---- start ---------------------------------------------------------------------------------

  PROVIDERS.forEach(function (p) { applyPreset(p.id, true); });
  showProvider();
  loadPrincipal();
  loadIntegrations().then(loadTokens);
})();
`;
