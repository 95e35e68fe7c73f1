/**
 * The owner's page script (/connect/{token}): plain ES2020 in a string, inlined with the CSP
 * nonce, like admin/client.ts (same rules: no backticks, no "${", no "</script"; DOM built
 * with textContent only). It talks to /connect/{token}/… only.
 */
export const connectScript = String.raw`
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("connect-data").textContent || "{}");
  var BASE = DATA.apiBase;
  function $(id) { return document.getElementById(id); }

  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "class") el.className = v; else el.setAttribute(k, String(v));
    });
    [].concat(children === undefined || children === null ? [] : children).forEach(function (c) {
      if (c === null || c === undefined) return;
      el.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return el;
  }

  function announce(text) { var s = $("sr-status"); s.textContent = ""; setTimeout(function () { s.textContent = text; }, 30); }

  async function call(method, path, body) {
    var init = { method: method, credentials: "omit", headers: { accept: "application/json" } };
    if (body !== undefined) { init.headers["content-type"] = "application/json"; init.body = JSON.stringify(body); }
    var res, data = null;
    try { res = await fetch(BASE + path, init); }
    catch (e) { throw new Error("signpost did not answer (network error)."); }
    try { data = await res.json(); } catch (e) { data = null; }
    if (!res.ok) {
      var err = (data && data.error) || {};
      var msg = err.message || ("The request failed (HTTP " + res.status + ").");
      if (err.hint) msg += " " + err.hint;
      if (err.requestId) msg += " (request " + err.requestId + ")";
      throw new Error(msg);
    }
    return data;
  }

  var LABEL = { pass: "\u2713 pass", fail: "\u2717 fail", warn: "! warn", skip: "\u2013 skip", valid: "\u2713 valid", invalid: "\u2717 invalid", unchecked: "? unchecked" };
  function badge(status) { return h("span", { class: "badge " + status, "data-status": status }, LABEL[status] || status); }

  function setStatus(status) {
    var el = $("status");
    el.className = "badge " + status;
    el.setAttribute("data-status", status);
    el.textContent = LABEL[status] || status;
    var connected = $("connected");
    var was = !connected.hidden;
    connected.hidden = status !== "valid";
    if (!was && !connected.hidden) { connected.focus(); announce("Connected."); }
  }

  function renderChecks(report) {
    var checks = report.checks || [];
    var failed = checks.filter(function (c) { return c.status === "fail"; }).length;
    $("checks").replaceChildren(
      h("p", { class: "summary-line " + (report.ok ? "ok" : "error"), id: "checks-summary" }, report.ok ? "All checks passed" : failed + " check" + (failed === 1 ? "" : "s") + " failed"),
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

  // Copy buttons: data-copy="#target"; without clipboard access the text is selected instead.
  document.addEventListener("click", async function (ev) {
    var btn = ev.target && ev.target.closest ? ev.target.closest("button[data-copy]") : null;
    if (!btn) return;
    var target = document.querySelector(btn.getAttribute("data-copy"));
    if (!target) return;
    var original = btn.getAttribute("data-label") || btn.textContent;
    btn.setAttribute("data-label", original);
    try {
      if (!navigator.clipboard || !window.isSecureContext) throw new Error("no clipboard");
      await navigator.clipboard.writeText(target.textContent);
      btn.textContent = "Copied \u2713";
      announce("Copied to the clipboard.");
    } catch (e) {
      var range = document.createRange();
      range.selectNodeContents(target);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      btn.textContent = "Selected: press Ctrl+C";
      announce("The text is selected: press Control+C (Command+C on a Mac) to copy it.");
    }
    setTimeout(function () { btn.textContent = original; }, 2500);
  });

  // The owner's fields: saved through the invite; for gcs/azure the one-paste command carries them too.
  var ownerForm = $("owner-form");
  function ownerValues() {
    var out = {};
    (DATA.ownerFields || []).forEach(function (k) {
      var v = ownerForm.elements[k].value.trim();
      if (v !== "") out[k] = v; else if (k === "roleArn") out[k] = null;
    });
    return out;
  }
  // gcs with keyless offered: the chosen identity picks the documents and the script's mode.
  function identity() {
    var checked = document.querySelector('input[name="identity"]:checked');
    return checked ? checked.value : null;
  }
  function updateOnePaste() {
    var target = $("one-paste");
    if (!target || DATA.provider === "aws_role" || !DATA.scriptFile) return;
    var v = ownerForm ? ownerValues() : {};
    if (identity() === "oidc") v.identity = "oidc";
    var q = Object.keys(v).filter(function (k) { return v[k]; }).map(function (k) {
      return k + "=" + encodeURIComponent(v[k]).replace(/'/g, "%27");
    }).join("&");
    var url = location.origin + BASE + "/setup/" + DATA.scriptFile + (q ? "?" + q : "");
    target.textContent = "curl -fsSL '" + url + "' | bash";
    var link = $("script-link");
    if (link) link.setAttribute("href", url);
  }
  var identityChoice = $("identity-choice");
  if (identityChoice) {
    identityChoice.addEventListener("change", function () {
      var chosen = identity();
      document.querySelectorAll("[data-identity]").forEach(function (el) { el.hidden = el.getAttribute("data-identity") !== chosen; });
      updateOnePaste();
      announce(chosen === "oidc" ? "Keyless set-up selected." : "Set-up with signpost's service account selected.");
    });
  }
  if (ownerForm) {
    ownerForm.addEventListener("input", updateOnePaste);
    updateOnePaste();
    ownerForm.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      var button = $("owner-save");
      button.disabled = true;
      $("owner-error").textContent = "";
      $("owner-status").textContent = "Saving\u2026";
      try {
        var view = await call("PATCH", "/integration", ownerValues());
        setStatus(view.status);
        $("owner-status").textContent = "Saved. Now press Validate.";
      } catch (e) {
        $("owner-status").textContent = "";
        $("owner-error").textContent = e.message;
      } finally { button.disabled = false; }
    });
  }

  $("validate-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    var button = $("validate");
    var sampleKey = $("sample-key").value.trim();
    button.disabled = true;
    $("validate-error").textContent = "";
    $("validate-status").className = "status-line";
    $("validate-status").textContent = "Checking\u2026 (this takes a few seconds)";
    try {
      var report = await call("POST", "/validate", sampleKey ? { sampleKey: sampleKey } : {});
      renderChecks(report);
      setStatus(report.ok ? "valid" : "invalid");
      $("validate-status").className = "status-line " + (report.ok ? "ok" : "error");
      $("validate-status").textContent = report.ok ? "Valid." : "Not valid yet: see the hints below.";
    } catch (e) {
      $("validate-status").textContent = "";
      $("validate-error").textContent = e.message;
    } finally { button.disabled = false; }
  });

  // The asset URL of one object: /v1/assets/{integration}/{bucket}/{key}, each key segment encoded.
  var assetForm = $("asset-form");
  function updateAssetUrl() {
    var bucket = assetForm.elements.bucket.value.trim() || "{bucket}";
    var key = assetForm.elements.key.value.replace(/^\/+/, "");
    var path = key ? key.split("/").map(encodeURIComponent).join("/") : "{key}";
    $("asset-url").textContent = DATA.assetUrlTemplate.replace("{bucket}", encodeURIComponent(bucket).replace("%7B", "{").replace("%7D", "}")).replace("{key}", path);
  }
  assetForm.addEventListener("input", updateAssetUrl);
  assetForm.addEventListener("submit", function (ev) { ev.preventDefault(); });
  updateAssetUrl();

  // Back from the cloud console or a shell: show what the setup script registered.
  document.addEventListener("visibilitychange", async function () {
    if (document.visibilityState !== "visible") return;
    try { setStatus((await call("GET", "/integration")).status); } catch (e) { /* the next action shows the error */ }
  });

  if (DATA.lastValidation) renderChecks(DATA.lastValidation);
})();
`;
