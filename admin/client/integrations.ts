/** The signing principal and the integrations table. */
import { $, h, safeId } from "./dom";
import { api, describe } from "./api";
import { providerLabel, state } from "./state";
import { badge, toast, when } from "./ui";
import { buildPanel } from "./panel";
import { renderTokenChoices } from "./tokens";

// ---- principal ------------------------------------------------------------------------

export async function loadPrincipal() {
  try {
    const principal: { arn: string } = await api("GET", "/principal");
    state.principal = principal;
    $("principal-arn").textContent = principal.arn;
  } catch (err) {
    state.principalError = describe(err);
    $("principal-arn").textContent = "unavailable";
    $("principal-arn").title = state.principalError;
  }
  const s = $("setup-principal");
  if (s) s.textContent = state.principal ? state.principal.arn : "unavailable: " + (state.principalError || "");
}

// ---- integrations list ---------------------------------------------------------------------

export async function loadIntegrations() {
  try {
    const data = await api("GET", "/integrations");
    state.integrations = data.integrations || [];
    renderIntegrations();
    renderTokenChoices();
  } catch (err) {
    toast("Could not load integrations: " + describe(err), "error");
  }
}

export function renderIntegrations() {
  const body = $("integrations-body");
  if (state.integrations.length === 0) {
    body.replaceChildren(
      h("tr", null, h("td", { colspan: "7", class: "empty" }, "No integrations yet. Choose \u201cNew integration\u201d to add a bucket owner's grant.")),
    );
    return;
  }
  const rows: HTMLElement[] = [];
  state.integrations.forEach(function (integ) {
    const pid = "panel-" + safeId(integ.id);
    const open = !!state.open[integ.id];
    rows.push(
      h("tr", { "data-integration": integ.id, "data-name": integ.name }, [
        h("td", null, [h("strong", null, integ.name), h("div", { class: "muted mono hide-narrow" }, integ.id)]),
        h("td", { class: "hide-narrow" }, providerLabel(integ.provider)),
        h("td", { "data-col": "status" }, badge(integ.status)),
        h("td", { class: "hide-narrow" }, when(integ.lastCheckedAt)),
        h("td", { class: "hide-narrow" }, when(integ.lastUsedAt)),
        h("td", null, integ.isDefault ? h("span", { class: "badge default" }, "\u2605 default") : h("span", { class: "muted" }, "\u2014")),
        h(
          "td",
          { class: "actions" },
          h(
            "button",
            {
              type: "button",
              class: "small",
              "aria-expanded": open ? "true" : "false",
              "aria-controls": pid,
              "data-action": "manage",
              onclick: () => togglePanel(integ.id),
            },
            [open ? "Close" : "Manage", h("span", { class: "visually-hidden" }, " " + integ.name)],
          ),
        ),
      ]),
    );
    if (open) {
      const panel = state.panels[integ.id] || (state.panels[integ.id] = buildPanel(integ.id));
      panel.fill(integ);
      rows.push(h("tr", { class: "detail", id: pid }, h("td", { colspan: "7" }, panel.el)));
    }
  });
  body.replaceChildren(...rows);
}

function togglePanel(id: string): void {
  state.open[id] = !state.open[id];
  if (state.open[id] && state.panels[id]) state.panels[id].reload();
  renderIntegrations();
  const again = document.querySelector<HTMLElement>('tr[data-integration="' + CSS.escape(id) + '"] button[data-action="manage"]');
  if (again) again.focus();
}
