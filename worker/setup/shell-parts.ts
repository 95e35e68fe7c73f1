/** Pieces every generated setup script shares: the header, registering through the invite, validating. */
import { shellQuote as sh } from "../lib/shell";

export function scriptHeader(o: { title: string; integrationId: string; scriptUrl: string; where: string; notes?: string[] }): string {
  return [
    "#!/usr/bin/env bash",
    `# signpost: ${o.title.replace(/[\r\n\u2028\u2029]/g, " ")} (integration ${o.integrationId}).`,
    "#",
    `# Run it in ${o.where}:`,
    "#",
    `#   curl -fsSL ${sh(o.scriptUrl)} | bash`,
    "#",
    ...(o.notes ?? []).map((n) => `# ${n}`),
    "set -euo pipefail",
  ].join("\n");
}

export const SHELL_HELPERS = String.raw`step() { printf '\n==> %s\n' "$*"; }
fail() { printf 'signpost setup failed: %s\n' "$*" >&2; exit 1; }`;

/** Sends the owner's fields (a JSON body, as one shell word) to PATCH {connect}/integration. */
export function registerStep(label: string, bodyWord: string): string {
  return `step ${sh(label)}
curl -fsS -X PATCH "$CONNECT_URL/integration" \\
  -H 'content-type: application/json' \\
  --data ${bodyWord} >/dev/null
echo "    Registered."`;
}

/** Validates through the invite (plain-text report), retrying while new grants propagate. */
export const VALIDATE_STEP = String.raw`VALIDATE_ATTEMPTS="${"$"}{SIGNPOST_VALIDATE_ATTEMPTS:-6}"
VALIDATE_DELAY="${"$"}{SIGNPOST_VALIDATE_DELAY:-10}"
step "Validation (new grants can take a little while to apply)"
report=""
for attempt in $(seq 1 "$VALIDATE_ATTEMPTS"); do
  report="$(curl -sS -X POST "$CONNECT_URL/validate" -H 'content-type: application/json' -H 'accept: text/plain' --data '{}')"
  case "$report" in
    "Validation passed"*) break ;;
    "Validation failed"*) ;;
    *) fail "signpost did not validate: $report" ;;
  esac
  if [ "$attempt" -lt "$VALIDATE_ATTEMPTS" ]; then
    echo "    Not valid yet (attempt $attempt of $VALIDATE_ATTEMPTS); trying again in $VALIDATE_DELAY s."
    sleep "$VALIDATE_DELAY"
  fi
done
printf '%s\n' "$report"
case "$report" in
  "Validation passed"*) echo; echo "Connected. The invite page shows the result too." ;;
  *) echo; fail "some checks failed: do what their hints say, then run this script again." ;;
esac`;
