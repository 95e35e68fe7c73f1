/** Building the DOM: elements with text children only (never innerHTML), so API data cannot inject markup. */

export type Child = Node | string | number | null | undefined | false | Child[];
export type Attrs = Record<string, string | number | boolean | null | undefined | ((this: HTMLElement, ev: Event) => unknown)>;

/** The element with this id; the page's markup (admin/page.tsx) guarantees it exists. */
export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

/** A string usable inside an element id. */
export function safeId(s: string): string {
  return String(s).replace(/[^A-Za-z0-9_-]/g, "_");
}

/** h("tag", {attr: value, onclick: fn}, child | [children]) with text children only. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, children?: Child): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const k of Object.keys(attrs)) {
      const v = attrs[k];
      if (v === null || v === undefined || v === false) continue;
      if (k.slice(0, 2) === "on" && typeof v === "function") el.addEventListener(k.slice(2), v as EventListener);
      else if (k === "class") el.className = String(v);
      else if (k === "text") el.textContent = String(v);
      else if (v === true) el.setAttribute(k, "");
      else el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el: HTMLElement, children: Child): void {
  if (children === null || children === undefined || children === false) return;
  if (Array.isArray(children)) {
    children.forEach((c) => append(el, c));
    return;
  }
  el.appendChild(typeof children === "string" || typeof children === "number" ? document.createTextNode(String(children)) : children);
}

/** Lines (or comma-separated entries) of a textarea, trimmed, without blanks. */
export function lines(text: string | null | undefined): string[] {
  return String(text || "")
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}
