/** Small UI pieces shared by the page's sections: status lines, badges, copy buttons, check lists, the confirmation dialog. */
import type { ProviderSpec } from "../providers";
import { $, h, safeId, type Attrs, type Child } from "./dom";
import type { Integration, Report } from "./state";

/** For screen readers: the polite live region. */
export function announce(text: string): void {
  const s = $("sr-status");
  s.textContent = "";
  setTimeout(() => {
    s.textContent = text;
  }, 30);
}

export function setStatus(el: HTMLElement, text: string, kind?: "ok" | "error"): void {
  el.textContent = text || "";
  el.className = "status-line" + (kind ? " " + kind : "");
}

export function setError(el: HTMLElement, text: string): void {
  el.textContent = text || "";
}

let toastTimer = 0;
/** Page-level news at the bottom of the screen; successes fade, errors stay until the next one. */
export function toast(text: string, kind: "ok" | "error"): void {
  const el = $("global-status");
  clearTimeout(toastTimer);
  el.textContent = text;
  el.className = "toast" + (kind ? " " + kind : "");
  if (kind !== "error")
    toastTimer = setTimeout(() => {
      el.textContent = "";
    }, 5000);
}

/** Disables a button while work runs, so double clicks do not double-create. */
export async function busy<T>(button: HTMLButtonElement | null, work: () => Promise<T>): Promise<T> {
  if (button) button.disabled = true;
  try {
    return await work();
  } finally {
    if (button) button.disabled = false;
  }
}

const BADGE: Record<string, string> = {
  pass: "\u2713 pass",
  fail: "\u2717 fail",
  warn: "! warn",
  skip: "\u2013 skip",
  valid: "\u2713 valid",
  invalid: "\u2717 invalid",
  unchecked: "? unchecked",
};
export function badge(status: string): HTMLSpanElement {
  return h("span", { class: "badge " + status, "data-status": status }, BADGE[status] || status);
}

/** A timestamp as "3 min ago" (the exact time in its title), or `never`. */
export function when(iso: string | null | undefined, never?: string): HTMLElement {
  if (!iso) return h("span", { class: "muted" }, never || "never");
  const d = new Date(iso);
  const secs = Math.round((Date.now() - d.getTime()) / 1000);
  let rel: string;
  if (secs < 45) rel = "just now";
  else if (secs < 3600) rel = Math.round(secs / 60) + " min ago";
  else if (secs < 86400) rel = Math.round(secs / 3600) + " h ago";
  else rel = d.toLocaleDateString();
  return h("time", { datetime: iso, title: d.toLocaleString() }, rel);
}

let copySeq = 0;
export function copyable(text: string, label: string, attrs?: Attrs): HTMLDivElement {
  const id = "copy-" + ++copySeq;
  const codeAttrs = Object.assign({ id }, attrs || {});
  return h("div", { class: "copyable" }, [
    h("code", codeAttrs, text),
    h("button", { type: "button", class: "small", "data-copy": "#" + id, "aria-label": "Copy " + label }, "Copy"),
  ]);
}

function selectText(el: HTMLElement): void {
  if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) {
    el.focus();
    el.select();
    return;
  }
  const range = document.createRange();
  range.selectNodeContents(el);
  const sel = window.getSelection();
  if (!sel) return;
  sel.removeAllRanges();
  sel.addRange(range);
}

// Copy buttons anywhere on the page: data-copy="#target". The clipboard API needs a secure
// context and permission; when it is refused the text is selected for Ctrl+C instead.
document.addEventListener("click", async (ev) => {
  const btn = ev.target instanceof Element ? ev.target.closest<HTMLButtonElement>("button[data-copy]") : null;
  if (!btn) return;
  const target = document.querySelector<HTMLElement>(btn.getAttribute("data-copy") || "");
  if (!target) return;
  const text = target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement ? target.value : target.textContent || "";
  const original = btn.getAttribute("data-label") || btn.textContent || "";
  btn.setAttribute("data-label", original);
  try {
    if (!navigator.clipboard || !window.isSecureContext) throw new Error("no clipboard");
    await navigator.clipboard.writeText(text);
    btn.textContent = "Copied \u2713";
    announce("Copied to the clipboard.");
  } catch {
    selectText(target);
    btn.textContent = "Selected: press Ctrl+C";
    announce("The text is selected: press Control+C (Command+C on a Mac) to copy it.");
  }
  setTimeout(() => {
    btn.textContent = original;
  }, 2500);
});

/** A validation report: its summary line and one row per check. */
export function renderChecks(container: HTMLElement, report: Report, title?: string): void {
  const checks = report.checks || [];
  const failed = checks.filter((c) => c.status === "fail").length;
  const heading = title || (report.ok ? "All checks passed" : failed + " check" + (failed === 1 ? "" : "s") + " failed");
  container.replaceChildren(
    h("p", { class: "summary-line " + (report.ok ? "ok" : "error") }, [
      heading,
      report.checkedAt ? h("span", { class: "muted" }, [" \u00b7 checked ", when(report.checkedAt)]) : null,
    ]),
    h(
      "ul",
      { class: "checks", "aria-label": "Validation checks" },
      checks.map((c) =>
        h("li", { "data-check": c.name, "data-status": c.status }, [
          badge(c.status),
          h("span", { class: "name" }, c.name),
          h("span", { class: "msg" }, c.message || ""),
          c.hint ? h("span", { class: "hint" }, "Hint: " + c.hint) : null,
        ]),
      ),
    ),
  );
}

/** The setup documents (policies, commands) the provider lists and the integration carries, each with a Copy button. */
export function renderDocuments(container: HTMLElement, integ: Integration, spec: ProviderSpec | null): void {
  const docs = (spec ? spec.documents : []).filter((d) => integ[d.key] !== undefined && (!d.when || integ[d.when.key] === d.when.value));
  container.replaceChildren(
    ...docs.map((d) => {
      const id = "doc-" + safeId(integ.id) + "-" + d.key + "-" + ++copySeq;
      const value = integ[d.key];
      return h("div", { class: "doc", "data-doc": d.key }, [
        h("div", { class: "doc-head" }, [
          h("h4", { id: id + "-title" }, d.title),
          h("button", { type: "button", class: "small", "data-copy": "#" + id, "aria-label": "Copy " + d.title }, "Copy"),
        ]),
        h("p", { class: "help" }, d.help),
        h("pre", { tabindex: "0", "aria-labelledby": id + "-title" }, h("code", { id }, typeof value === "string" ? value : JSON.stringify(value, null, 2))),
      ]);
    }),
  );
}

/** A labelled form field with optional help text. */
export function field(id: string, label: Child, input: HTMLElement, help?: string): HTMLDivElement {
  return h("div", { class: "field" }, [h("label", { for: id }, label), input, help ? h("p", { class: "help", id: id + "-help" }, help) : null]);
}

// ---- confirmation dialog (native <dialog>: it traps focus; we return it to the opener) ----

export function confirmAction(title: string, message: string, okLabel: string): Promise<boolean> {
  const d = $<HTMLDialogElement>("confirm-dialog");
  const opener = document.activeElement;
  $("confirm-title").textContent = title;
  $("confirm-message").textContent = message;
  $("confirm-ok").textContent = okLabel;
  if (typeof d.showModal !== "function") return Promise.resolve(window.confirm(title + "\n\n" + message));
  return new Promise((resolve) => {
    d.addEventListener(
      "close",
      () => {
        if (opener instanceof HTMLElement && document.contains(opener)) opener.focus();
        resolve(d.returnValue === "ok");
      },
      { once: true },
    );
    d.returnValue = "";
    d.showModal();
    $("confirm-cancel").focus();
  });
}
