// Fake `aws`, `gcloud` and `az` for the setup-script tests (test/node/setup-scripts.test.ts).
// Usage (through a wrapper on PATH): node fake-cli.mjs <aws|gcloud|az> args…
// Every call is appended to $FAKE_CLI_LOG as one JSON line ({tool, argv}); state (roles, bucket
// CORS) is kept in $FAKE_CLI_STATE and answers come in the CLI's shapes, errors included.
// The aws fake also applies roles and CORS to the fake AWS server ($FAKE_AWS_URL), so signpost's
// validation sees what the script set up.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";

const [tool, ...argv] = process.argv.slice(2);
appendFileSync(process.env.FAKE_CLI_LOG, JSON.stringify({ tool, argv }) + "\n");
const statePath = process.env.FAKE_CLI_STATE;
const state = existsSync(statePath) ? JSON.parse(readFileSync(statePath, "utf8")) : {};
state.roles ??= {};
state.cors ??= {};
const save = () => writeFileSync(statePath, JSON.stringify(state, null, 2));
const opt = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const out = (v) => process.stdout.write(typeof v === "string" ? v + "\n" : JSON.stringify(v, null, 4) + "\n");
const awsError = (code, op, message) => {
  process.stderr.write(`\nAn error occurred (${code}) when calling the ${op} operation: ${message}\n`);
  process.exit(254);
};

async function control(method, path, body) {
  const res = await fetch(process.env.FAKE_AWS_URL + path, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`fake AWS ${path}: ${res.status} ${await res.text()}`);
}

/** The role as the fake AWS server knows it: its trust policy's principal and External ID, its inline policy. */
async function syncRole(role) {
  if (!role.policy) return; // the fake AWS needs a permissions policy; put-role-policy follows
  const statement = role.trust.Statement[0];
  await control("POST", "/__fake/roles", {
    arn: role.arn,
    trustedPrincipals: [].concat(statement.Principal.AWS),
    externalId: statement.Condition?.StringEquals?.["sts:ExternalId"],
    maxSessionDuration: role.maxSessionDuration,
    policy: role.policy,
  });
}

async function aws() {
  const [service, op] = argv;
  const name = opt("--role-name");
  const role = name ? state.roles[name] : undefined;
  switch (`${service} ${op}`) {
    case "iam get-role":
      if (!role) awsError("NoSuchEntity", "GetRole", `The role with name ${name} cannot be found.`);
      if (opt("--query") === "Role.Arn") return out(role.arn);
      return out({ Role: { RoleName: name, Arn: role.arn, AssumeRolePolicyDocument: role.trust, MaxSessionDuration: role.maxSessionDuration } });
    case "iam create-role": {
      if (role) awsError("EntityAlreadyExists", "CreateRole", `Role with name ${name} already exists.`);
      const created = {
        arn: `arn:aws:iam::${process.env.FAKE_AWS_ACCOUNT}:role/${name}`,
        trust: JSON.parse(opt("--assume-role-policy-document")),
        maxSessionDuration: Number(opt("--max-session-duration") ?? 3600),
      };
      state.roles[name] = created;
      save();
      await syncRole(created);
      return out({ Role: { RoleName: name, Arn: created.arn } });
    }
    case "iam update-assume-role-policy":
      if (!role) awsError("NoSuchEntity", "UpdateAssumeRolePolicy", `The role with name ${name} cannot be found.`);
      role.trust = JSON.parse(opt("--policy-document"));
      save();
      return syncRole(role);
    case "iam update-role":
      if (!role) awsError("NoSuchEntity", "UpdateRole", `The role with name ${name} cannot be found.`);
      role.maxSessionDuration = Number(opt("--max-session-duration"));
      save();
      return syncRole(role);
    case "iam put-role-policy":
      if (!role) awsError("NoSuchEntity", "PutRolePolicy", `The role with name ${name} cannot be found.`);
      role.policy = JSON.parse(opt("--policy-document"));
      save();
      return syncRole(role);
    case "s3api get-bucket-cors": {
      const rules = state.cors[opt("--bucket")];
      if (!rules) awsError("NoSuchCORSConfiguration", "GetBucketCors", "The CORS configuration does not exist");
      if (opt("--query") === "CORSRules[].ID") return out(rules.map((r) => r.ID ?? "None").join("\t"));
      return out({ CORSRules: rules });
    }
    case "s3api put-bucket-cors": {
      const config = JSON.parse(opt("--cors-configuration"));
      state.cors[opt("--bucket")] = config.CORSRules;
      save();
      return control("PUT", `/__fake/cors/${encodeURIComponent(opt("--bucket"))}`, config);
    }
  }
  process.stderr.write(`fake aws: unexpected command: ${argv.join(" ")}\n`);
  process.exit(2);
}

/** What `gcloud … create NAME` creates, as one key (a second create of it is a conflict). */
function gcloudCreated() {
  if (argv[0] !== "iam") return null;
  if (argv[1] === "service-accounts" && argv[2] === "create") return argv.slice(0, 4).join(" ");
  if (argv[1] === "workload-identity-pools" && argv[2] === "create") return argv.slice(0, 4).join(" ");
  if (argv[1] === "workload-identity-pools" && argv[2] === "providers" && argv[3] === "create-oidc") return argv.slice(0, 5).join(" ");
  return null;
}

function gcloud() {
  if (argv[0] === "projects" && argv[1] === "describe") return out(state.projectNumber ?? "123456789012");
  const created = gcloudCreated();
  if (created && argv[1] === "service-accounts" && state.serviceAccountExists) {
    process.stderr.write(
      `ERROR: (gcloud.iam.service-accounts.create) Resource in projects [p] is the subject of a conflict: Service account ${argv[3]} already exists within project projects/p.\n`,
    );
    process.exit(1);
  }
  state.created ??= [];
  if (created && state.created.includes(created)) {
    process.stderr.write(`ERROR: (gcloud.iam.${argv.slice(1, argv[2] === "providers" ? 4 : 3).join(".")}) ALREADY_EXISTS: Requested entity already exists\n`);
    process.exit(1);
  }
  if (created) {
    state.created.push(created);
    if (argv[1] === "service-accounts") state.serviceAccountExists = true;
    save();
  }
  out("Updated.");
}

function az() {
  const cmd = argv.slice(0, 2).join(" ");
  if (cmd === "account show") return out(state.azureTenant ?? "");
  if (cmd === "storage account") return out(`/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/${opt("--name")}`);
  if (cmd === "ad sp" && state.servicePrincipalExists) {
    process.stderr.write("ERROR: Another object with the same value for property servicePrincipalNames already exists.\n");
    process.exit(1);
  }
  if (cmd === "ad sp") {
    state.servicePrincipalExists = true;
    save();
  }
  out("{}");
}

if (tool === "aws") await aws();
else if (tool === "gcloud") gcloud();
else if (tool === "az") az();
else process.exit(2);
