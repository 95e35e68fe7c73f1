// The admin page's browser test drives Debian's Chromium. Install it when it is missing and
// we are allowed to (root, as on CI); otherwise say exactly what to run.
import { existsSync } from "node:fs";
import { execSync } from "node:child_process";

const CHROMIUM = "/usr/bin/chromium";
if (!existsSync(CHROMIUM)) {
  if (process.getuid?.() === 0) {
    console.log("Installing Debian's chromium for the browser test…");
    execSync("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null", { stdio: "inherit", shell: "/bin/bash" });
  } else {
    console.error(`${CHROMIUM} is missing: run \`sudo apt-get install -y chromium\` (the browser test needs it).`);
    process.exit(1);
  }
}
