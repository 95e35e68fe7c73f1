// The browser tests drive Debian's Chromium; the HLS case makes its media with ffmpeg; the
// setup scripts are checked by shellcheck; the Python client is tested with python3.
// Install what is missing when we are allowed to (root, as on CI); otherwise say exactly what to run.
import { existsSync } from "node:fs";
import { execSync } from "node:child_process";

const TOOLS = [
  { bin: "/usr/bin/chromium", pkg: "chromium" },
  { bin: "/usr/bin/ffmpeg", pkg: "ffmpeg" },
  { bin: "/usr/bin/shellcheck", pkg: "shellcheck" },
  // Optional: without it the Python client's suite is skipped with a message, not failed.
  { bin: "/usr/bin/python3", pkg: "python3", optional: true },
];
const absent = TOOLS.filter((t) => !existsSync(t.bin));
const isRoot = process.getuid?.() === 0;
for (const t of absent.filter((t) => t.optional && !isRoot))
  console.warn(`Missing ${t.pkg} (optional): its tests are skipped; \`sudo apt-get install -y ${t.pkg}\` runs them.`);
const missing = absent.filter((t) => isRoot || !t.optional).map((t) => t.pkg);
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
