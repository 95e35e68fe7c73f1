/** An integration's invites: a link for the bucket owner to finish the setup alone. */
import { h, safeId } from "./dom";
import { api, describe } from "./api";
import type { Invite } from "./state";
import { busy, confirmAction, copyable, field, setStatus, when } from "./ui";

const EXPIRY_CHOICES = [
  ["3600", "1 hour"],
  ["86400", "1 day"],
  ["604800", "7 days"],
];

export function invitePanel(integId: string): { el: HTMLElement; load: () => Promise<void> } {
  const sid = safeId(integId);
  const expiry = h(
    "select",
    { id: "inv-exp-" + sid, name: "expiresInSeconds" },
    EXPIRY_CHOICES.map(function (c) {
      return h("option", { value: c[0], selected: c[0] === "86400" }, c[1]);
    }),
  );
  const createButton = h("button", { type: "submit", "data-action": "invite" }, "Invite the bucket owner");
  const status = h("span", { class: "status-line", role: "status", "aria-live": "polite" });
  const created = h("div", { class: "token-once", hidden: true, tabindex: "-1", "data-role": "invite-created" });
  const body = h("tbody");
  const table = h(
    "div",
    { class: "table-wrap", hidden: true },
    h("table", { "aria-label": "Invites" }, [
      h(
        "thead",
        null,
        h("tr", null, [
          h("th", { scope: "col" }, "Created"),
          h("th", { scope: "col" }, "Expires"),
          h("th", { scope: "col" }, "Opened"),
          h("th", { scope: "col" }, "State"),
          h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")),
        ]),
      ),
      body,
    ]),
  );
  const form = h("form", { novalidate: true, "data-form": "invite" }, [
    h(
      "p",
      { class: "help" },
      "A link for the bucket owner: they see this integration's setup steps and one-paste scripts, register their role and validate, without admin access. The link is shown once.",
    ),
    h("div", { class: "row" }, [field("inv-exp-" + sid, "Link valid for", expiry), createButton, status]),
  ]);

  function stateOf(inv: Invite): string {
    if (inv.revokedAt) return "revoked";
    if (Date.parse(inv.expiresAt) <= Date.now()) return "expired";
    return "active";
  }

  async function load() {
    try {
      const list: Invite[] = (await api("GET", "/integrations/" + encodeURIComponent(integId) + "/invites")).invites || [];
      table.hidden = list.length === 0;
      body.replaceChildren(
        ...list.map(function (inv) {
          const st = stateOf(inv);
          const revoke = h(
            "button",
            {
              type: "button",
              class: "small danger",
              "data-action": "revoke-invite",
              "aria-label": "Revoke the invite created " + new Date(inv.createdAt).toLocaleString(),
            },
            "Revoke",
          );
          revoke.hidden = st !== "active";
          revoke.addEventListener("click", async function () {
            const ok = await confirmAction("Revoke this invite?", "The link stops working at once. What the owner already registered stays.", "Revoke");
            if (!ok) return;
            busy(revoke, async function () {
              try {
                await api("DELETE", "/invites/" + encodeURIComponent(inv.id));
                setStatus(status, "Invite revoked.", "ok");
                await load();
              } catch (err) {
                setStatus(status, describe(err), "error");
              }
            });
          });
          return h("tr", { "data-invite": inv.id, "data-state": st }, [
            h("td", null, when(inv.createdAt)),
            h("td", null, h("time", { datetime: inv.expiresAt, title: new Date(inv.expiresAt).toLocaleString() }, new Date(inv.expiresAt).toLocaleString())),
            h("td", null, when(inv.usedAt, "not yet")),
            h("td", null, st),
            h("td", { class: "actions" }, revoke),
          ]);
        }),
      );
    } catch (err) {
      setStatus(status, describe(err), "error");
    }
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    busy(createButton, async function () {
      setStatus(status, "Creating\u2026");
      try {
        const inv = await api("POST", "/integrations/" + encodeURIComponent(integId) + "/invites", { expiresInSeconds: Number(expiry.value) });
        created.replaceChildren(
          h(
            "p",
            { class: "summary-line" },
            "Send this link to the bucket owner. It is shown only once and expires " + new Date(inv.expiresAt).toLocaleString() + ".",
          ),
          copyable(inv.url, "the invite link", { "data-testid": "invite-url" }),
        );
        created.hidden = false;
        created.focus();
        setStatus(status, "");
        await load();
      } catch (err) {
        setStatus(status, describe(err), "error");
      }
    });
  });

  return { el: h("div", { "data-role": "invites" }, [form, created, table]), load: load };
}
