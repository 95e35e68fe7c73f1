// The browser tests drive Debian's Chromium; the HLS case makes its media with ffmpeg; the
// setup scripts are checked by shellcheck; the Python client is tested with python3.
// Install what is missing when we are allowed to (root, as on CI); otherwise say exactly what to run.
import { existsSync } from "node:fs";
import { execSync } from "node:child_process";

const TOOLS = [
  { bin: "/usr/bin/chromium", pkg: "chromium" },
  { bin: "/usr/bin/ffmpeg", pkg: "ffmpeg" },
  { bin: "/usr/bin/shellcheck", pkg: "shellcheck" },
];
const missing = TOOLS.filter((t) => !existsSync(t.bin)).map((t) => t.pkg);
if (missing.length > 0) {
  if (process.getuid?.() === 0) {
    console.log(`Installing Debian's ${missing.join(", ")} for the tests…`);
    execSync(`apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(" ")} >/dev/null`, {
      stdio: "inherit",
      shell: "/bin/bash",
    });
  } else {
    console.error(`Missing ${missing.join(", ")}: run \`sudo apt-get install -y ${missing.join(" ")}\` (the tests need them).`);
    process.exit(1);
  }
}
