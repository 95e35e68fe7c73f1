/** The admin page's stylesheet, inlined with the response's CSP nonce (no external requests). */
export const styles = String.raw`
:root {
  color-scheme: light dark;
  --bg: #f6f7f9; --surface: #fff; --surface-2: #f0f2f5; --text: #1b1f24; --muted: #5b6572;
  --border: #d8dde3; --accent: #2557d6; --accent-text: #fff; --focus: #f5a524;
  --pass: #1a7f37; --pass-bg: #dafbe1; --fail: #b42318; --fail-bg: #fee4e2;
  --warn: #8a5a00; --warn-bg: #fff4d6; --skip: #5b6572; --skip-bg: #eceff3;
  --radius: 8px; --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #111418; --surface: #1a1e24; --surface-2: #232830; --text: #e6e9ee; --muted: #9aa4b2;
    --border: #333a44; --accent: #5b8cff; --accent-text: #0b1020;
    --pass: #5fd38a; --pass-bg: #123321; --fail: #ff8a80; --fail-bg: #3a1614;
    --warn: #f5c04a; --warn-bg: #3a2d0c; --skip: #9aa4b2; --skip-bg: #262b33;
  }
}
* { box-sizing: border-box; }
html { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--text); }
body { margin: 0; }
a { color: var(--accent); }
.skip-link { position: absolute; left: -999px; top: 0; background: var(--surface); padding: .5rem 1rem; z-index: 10; }
.skip-link:focus { left: 1rem; }
header.top { background: var(--surface); border-bottom: 1px solid var(--border); }
header.top .inner { max-width: 1100px; margin: 0 auto; padding: .75rem 1.25rem; display: flex; align-items: center; gap: 1rem; flex-wrap: wrap; }
.brand { font-weight: 700; font-size: 1.15rem; margin: 0; display: flex; align-items: center; gap: .5rem; }
.brand .logo { display: inline-grid; place-items: center; width: 1.8rem; height: 1.8rem; border-radius: 6px; background: var(--accent); color: var(--accent-text); font-size: 1rem; }
.principal { color: var(--muted); font-size: .85rem; margin-left: auto; display: flex; align-items: center; gap: .4rem; min-width: 0; }
.principal code { overflow-wrap: anywhere; }
main { max-width: 1100px; margin: 0 auto; padding: 1.25rem; display: grid; grid-template-columns: minmax(0, 1fr); gap: 1.25rem; }
section.card, .card { background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); padding: 1.1rem 1.25rem; }
.card-head { display: flex; align-items: center; justify-content: space-between; gap: 1rem; flex-wrap: wrap; margin-bottom: .5rem; }
h1, h2, h3, h4 { line-height: 1.25; }
h2 { font-size: 1.2rem; margin: 0; }
h3 { font-size: 1.05rem; margin: 1rem 0 .5rem; }
h4 { font-size: .95rem; margin: .75rem 0 .35rem; }
p { margin: .4rem 0; }
.muted, .help { color: var(--muted); }
.help { font-size: .85rem; margin: .2rem 0 0; }
code, pre, .mono { font-family: var(--mono); font-size: .85rem; }
.table-wrap { overflow-x: auto; position: relative; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .55rem .5rem; border-bottom: 1px solid var(--border); vertical-align: top; }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); font-weight: 600; }
tr.detail > td { background: var(--surface-2); padding: 1rem; }
td.actions { text-align: right; white-space: nowrap; }
.empty { color: var(--muted); padding: 1rem 0; }
button, .button {
  font: inherit; font-size: .9rem; border-radius: 6px; border: 1px solid var(--border); background: var(--surface);
  color: var(--text); padding: .4rem .8rem; cursor: pointer; line-height: 1.3;
}
button:hover { background: var(--surface-2); }
button.primary { background: var(--accent); border-color: var(--accent); color: var(--accent-text); font-weight: 600; }
button.primary:hover { filter: brightness(1.08); }
button.danger { color: var(--fail); border-color: color-mix(in srgb, var(--fail) 45%, var(--border)); }
button.danger.solid { background: var(--fail); color: #fff; border-color: var(--fail); }
button.small { font-size: .8rem; padding: .2rem .55rem; }
button:disabled { opacity: .55; cursor: not-allowed; }
button.link { border: 0; background: none; color: var(--accent); padding: 0; text-decoration: underline; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
input, textarea, select { font: inherit; font-size: .9rem; color: var(--text); background: var(--surface); border: 1px solid var(--border); border-radius: 6px; padding: .4rem .55rem; width: 100%; }
textarea { font-family: var(--mono); font-size: .85rem; min-height: 4.2rem; resize: vertical; }
input:focus-visible, textarea:focus-visible, select:focus-visible { outline: 3px solid var(--focus); outline-offset: 0; border-color: var(--accent); }
input[type=radio], input[type=checkbox] { width: auto; accent-color: var(--accent); }
label { display: block; font-weight: 600; font-size: .88rem; margin-bottom: .2rem; }
.field { margin: .7rem 0; }
.grid-2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(240px, 100%), 1fr)); gap: 0 1rem; }
fieldset { border: 1px solid var(--border); border-radius: var(--radius); padding: .6rem 1rem .8rem; margin: .8rem 0; }
legend { font-weight: 700; padding: 0 .3rem; }
fieldset.choice label { display: flex; gap: .5rem; align-items: center; margin: .3rem 0; font-weight: 400; }
.choices { display: grid; gap: .5rem; grid-template-columns: repeat(auto-fit, minmax(min(260px, 100%), 1fr)); }
.choice { display: flex; gap: .6rem; align-items: flex-start; border: 1px solid var(--border); border-radius: var(--radius); padding: .6rem .75rem; font-weight: 400; cursor: pointer; margin: 0; }
.choice:has(input:checked) { border-color: var(--accent); box-shadow: 0 0 0 1px var(--accent); }
.choice strong { display: block; }
.choice span { font-size: .85rem; color: var(--muted); }
.row { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
.row > .grow { flex: 1 1 16rem; }
.actions-bar { display: flex; gap: .5rem; flex-wrap: wrap; margin-top: .9rem; align-items: center; }
.badge { display: inline-flex; align-items: center; gap: .3rem; font-size: .78rem; font-weight: 600; padding: .1rem .5rem; border-radius: 999px; white-space: nowrap; }
.badge.pass, .badge.valid { color: var(--pass); background: var(--pass-bg); }
.badge.fail, .badge.invalid { color: var(--fail); background: var(--fail-bg); }
.badge.warn { color: var(--warn); background: var(--warn-bg); }
.badge.skip, .badge.unchecked { color: var(--skip); background: var(--skip-bg); }
.badge.default { color: var(--accent); background: color-mix(in srgb, var(--accent) 14%, transparent); }
.status-line { min-height: 1.4rem; font-size: .9rem; margin: .4rem 0; }
.status-line.error, .error { color: var(--fail); }
.status-line.ok { color: var(--pass); }
.alert { border: 1px solid color-mix(in srgb, var(--fail) 40%, var(--border)); background: var(--fail-bg); color: var(--fail); border-radius: 6px; padding: .5rem .75rem; margin: .5rem 0; }
.alert:empty { display: none; }
.checks { list-style: none; padding: 0; margin: .5rem 0; display: grid; gap: .4rem; }
.checks li { border: 1px solid var(--border); border-radius: 6px; padding: .5rem .7rem; background: var(--surface); display: grid; grid-template-columns: 5.2rem 1fr; gap: .1rem .75rem; }
.checks .name { font-family: var(--mono); font-weight: 600; font-size: .85rem; }
.checks .msg { grid-column: 2; }
.checks .hint { grid-column: 2; font-size: .85rem; color: var(--muted); white-space: pre-wrap; overflow-wrap: anywhere; }
.checks .badge { grid-row: span 3; align-self: start; justify-content: center; }
.summary-line { font-weight: 600; }
.checks li[data-status=fail] { border-left: 4px solid var(--fail); }
.checks li[data-status=warn] { border-left: 4px solid var(--warn); }
.toast { position: fixed; left: 50%; bottom: 1.25rem; transform: translateX(-50%); margin: 0; z-index: 20; max-width: min(40rem, 90vw);
  background: var(--text); color: var(--bg); border-radius: 6px; padding: .55rem 1rem; box-shadow: 0 6px 24px rgb(0 0 0 / .2); }
.toast:empty { padding: 0; box-shadow: none; }
.toast.error { background: var(--fail); color: #fff; }
.stepper { list-style: none; display: flex; flex-wrap: wrap; gap: .35rem 1.25rem; padding: 0; margin: .25rem 0 1rem; font-size: .88rem; color: var(--muted); }
.stepper li { display: flex; align-items: center; gap: .45rem; }
.stepper span { display: inline-grid; place-items: center; width: 1.5rem; height: 1.5rem; border-radius: 50%; border: 1px solid var(--border); font-weight: 700; font-size: .8rem; }
.stepper li[aria-current=step] { color: var(--text); font-weight: 600; }
.stepper li[aria-current=step] span { background: var(--accent); border-color: var(--accent); color: var(--accent-text); }
#setup-title { font-size: 1rem; margin: .5rem 0; }
.panel-top { display: grid; grid-template-columns: 1fr 14rem; gap: 1.5rem; }
.panel-top h3 { margin-top: 0; }
.panel-actions { display: flex; flex-direction: column; gap: .5rem; align-items: stretch; }
.integration-panel > h3 { border-top: 1px solid var(--border); padding-top: .9rem; margin-top: 1.1rem; }
.integration-panel details.panel { background: var(--surface); }
.integration-panel summary { cursor: pointer; font-weight: 600; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1rem; margin: .25rem 0; }
dl.kv dt { color: var(--muted); font-size: .85rem; }
dl.kv dd { margin: 0; overflow-wrap: anywhere; }
.copyable { display: flex; gap: .5rem; align-items: flex-start; }
.copyable code { background: var(--surface-2); border: 1px solid var(--border); border-radius: 6px; padding: .25rem .5rem; overflow-wrap: anywhere; flex: 1; }
.doc { border: 1px solid var(--border); border-radius: var(--radius); margin: .6rem 0; overflow: hidden; background: var(--surface); }
.doc-head { display: flex; justify-content: space-between; align-items: center; gap: .5rem; padding: .5rem .75rem; background: var(--surface-2); border-bottom: 1px solid var(--border); }
.doc-head h4 { margin: 0; }
.doc .help { padding: .4rem .75rem 0; }
.doc pre { margin: 0; padding: .6rem .75rem; max-height: 14rem; overflow: auto; }
.panel { border: 1px solid var(--border); border-radius: var(--radius); padding: 1rem 1.1rem; margin-top: .75rem; background: var(--surface); }
.panel h3:first-child { margin-top: 0; }
.steps { padding-left: 1.3rem; }
.steps li { margin: .2rem 0; }
.token-once { border: 1px solid var(--accent); border-radius: var(--radius); padding: .75rem 1rem; margin: .75rem 0; background: color-mix(in srgb, var(--accent) 7%, var(--surface)); }
dialog { border: 1px solid var(--border); border-radius: var(--radius); padding: 1.1rem 1.25rem; max-width: 28rem; background: var(--surface); color: var(--text); }
dialog::backdrop { background: rgb(0 0 0 / .45); }
.login { max-width: 24rem; margin: 12vh auto; }
.login h1 { font-size: 1.35rem; margin: 0 0 .25rem; display: flex; align-items: center; gap: .5rem; }
.login button.primary { width: 100%; margin-top: .75rem; padding: .55rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; border: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
[hidden] { display: none !important; }
@media (max-width: 700px) {
  .hide-narrow { display: none; }
  .panel-top { grid-template-columns: 1fr; }
  main { padding: .75rem; }
  th, td { padding: .5rem .3rem; }
  section.card, .card { padding: .9rem; }
  dl.kv { grid-template-columns: 1fr; gap: 0 1rem; }
  dl.kv dd { margin-bottom: .4rem; }
  .checks li { grid-template-columns: 1fr; }
  .checks .msg, .checks .hint { grid-column: 1; }
}
`;
