/** API tokens for the server-side /v1 APIs: the table, the integration choices, create (shown once) and revoke. */
import { $, h, safeId, type Child } from "./dom";
import { api, describe } from "./api";
import { findIntegration, state, type Token } from "./state";
import { busy, confirmAction, setError, setStatus, when } from "./ui";

// ---- API tokens ----------------------------------------------------------------------------

export function renderTokenChoices() {
  const box = $("token-integration-list");
  const checked: Record<string, boolean> = {};
  box.querySelectorAll<HTMLInputElement>("input:checked").forEach(function (i) {
    checked[i.value] = true;
  });
  if (state.integrations.length === 0) {
    box.replaceChildren("No integrations yet.");
    box.className = "muted";
    return;
  }
  box.className = "";
  box.replaceChildren(
    ...state.integrations.map(function (integ) {
      const id = "tok-int-" + safeId(integ.id);
      return h("div", { class: "row" }, [
        h("input", { type: "checkbox", id: id, name: "integrations", value: integ.id, checked: !!checked[integ.id] }),
        h("label", { for: id, class: "muted" }, integ.name),
      ]);
    }),
  );
  renderTokens();
}

export async function loadTokens() {
  try {
    const data = await api("GET", "/tokens");
    state.tokens = data.tokens || [];
    renderTokens();
  } catch (err) {
    setStatus($("token-status"), "Could not load tokens: " + describe(err), "error");
  }
}

function integrationNames(ids: string[] | undefined): Child {
  if (!ids || ids.length === 0) return h("span", { class: "muted" }, "all");
  return ids
    .map(function (id: string) {
      const i = findIntegration(id);
      return i ? i.name : id;
    })
    .join(", ");
}

function renderTokens() {
  const body = $("tokens-body");
  if (state.tokens.length === 0) {
    body.replaceChildren(h("tr", null, h("td", { colspan: "5", class: "empty" }, "No API tokens yet.")));
    return;
  }
  body.replaceChildren(
    ...state.tokens.map(function (t) {
      return h("tr", { "data-token": t.id }, [
        h("td", null, [h("strong", null, t.name), h("div", { class: "muted mono" }, t.id)]),
        h("td", null, integrationNames(t.integrations)),
        h("td", { class: "hide-narrow" }, when(t.createdAt)),
        h("td", { class: "hide-narrow" }, when(t.lastUsedAt)),
        h(
          "td",
          { class: "actions" },
          h(
            "button",
            {
              type: "button",
              class: "small danger",
              "data-action": "revoke",
              onclick: function () {
                revokeToken(t, this as HTMLButtonElement);
              },
            },
            ["Revoke", h("span", { class: "visually-hidden" }, " " + t.name)],
          ),
        ),
      ]);
    }),
  );
}

async function revokeToken(t: Token, button: HTMLButtonElement): Promise<void> {
  const ok = await confirmAction(
    "Revoke \u201c" + t.name + "\u201d?",
    "Requests that use this token are refused from now on. This cannot be undone.",
    "Revoke",
  );
  if (!ok) return;
  busy(button, async function () {
    try {
      await api("DELETE", "/tokens/" + encodeURIComponent(t.id));
      setStatus($("token-status"), "Revoked \u201c" + t.name + "\u201d.", "ok");
      if ($("token-created").getAttribute("data-token") === t.id) $("token-created").hidden = true;
      await loadTokens();
      $("token-name").focus();
    } catch (err) {
      setStatus($("token-status"), describe(err), "error");
    }
  });
}

$<HTMLFormElement>("token-form").addEventListener("submit", function (ev) {
  ev.preventDefault();
  const form = this;
  busy(form.querySelector<HTMLButtonElement>('button[type="submit"]'), async function () {
    setError($("token-error"), "");
    const name = $<HTMLInputElement>("token-name").value.trim();
    if (!name) {
      setError($("token-error"), "Give the token a name.");
      $("token-name").focus();
      return;
    }
    const ids = Array.from(form.querySelectorAll<HTMLInputElement>('input[name="integrations"]:checked'), (i) => i.value);
    try {
      const created = await api("POST", "/tokens", ids.length ? { name: name, integrations: ids } : { name: name });
      $("token-value").textContent = created.token;
      $("token-created").setAttribute("data-token", created.id);
      $("token-created").hidden = false;
      $("token-created").focus();
      form.reset();
      setStatus($("token-status"), "Created \u201c" + created.name + "\u201d.", "ok");
      await loadTokens();
    } catch (err) {
      setError($("token-error"), describe(err));
    }
  });
});
