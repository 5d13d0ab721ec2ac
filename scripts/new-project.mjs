// Creates a new agent project from templates/agent in a new folder outside this repository:
//   npm run new -- <dir> [--name <name>] [--git <url> [--branch <b> | --rev <r>]]
// The project depends on this checkout's framework by path (an absolute path) unless --git is given.
// `<dir>` is taken from where npm was run (INIT_CWD).
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const template = join(repo, "templates/agent");

function fail(message) {
  console.error(`new: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  const options = { dir: undefined, name: undefined, git: undefined, branch: undefined, rev: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const key = { "--name": "name", "--git": "git", "--branch": "branch", "--rev": "rev" }[arg];
    if (key) {
      if (i + 1 >= argv.length) fail(`${arg} needs a value`);
      options[key] = argv[++i];
    } else if (arg.startsWith("-")) {
      fail(`unknown option ${arg}`);
    } else if (options.dir === undefined) {
      options.dir = arg;
    } else {
      fail(`one folder only (got ${options.dir} and ${arg})`);
    }
  }
  if (options.dir === undefined) fail("usage: npm run new -- <dir> [--name <name>] [--git <url> [--branch <b> | --rev <r>]]");
  if ((options.branch || options.rev) && !options.git) fail("--branch and --rev go with --git");
  if (options.branch && options.rev) fail("--branch or --rev, not both");
  return options;
}

/** A crate, worker and npm package name: lowercase letters, digits and `-`, starting with a letter. */
function projectName(raw) {
  const name = raw.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "");
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(name)) fail(`"${raw}" does not make a project name: pass --name <name>`);
  return name;
}

/** A TOML basic string. */
const tomlString = (s) => JSON.stringify(s);

function dependencyLine({ git, branch, rev }) {
  if (!git) return `workers-agents = { path = ${tomlString(join(repo, "crates/workers-agents"))} }`;
  const pick = branch ? `, branch = ${tomlString(branch)}` : rev ? `, rev = ${tomlString(rev)}` : "";
  return `workers-agents = { git = ${tomlString(git)}${pick} }`;
}

/** The value `NAME="..."` is given in one of this repository's scripts. */
function scriptValue(file, name) {
  const match = new RegExp(`^${name}="([^"]+)"`, "m").exec(readFileSync(join(repo, file), "utf8"));
  if (!match) fail(`${file} sets no ${name}`);
  return match[1];
}

function* files(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

const options = parseArgs(process.argv.slice(2));
const target = resolve(process.env.INIT_CWD ?? process.cwd(), options.dir);
const inside = relative(repo, target);
if (!inside.startsWith("..") && !inside.startsWith("/")) fail(`${target} is inside this repository: pick a folder outside it`);
if (existsSync(target) && readdirSync(target).length > 0) fail(`${target} exists and is not empty`);
const name = projectName(options.name ?? basename(target));

const values = {
  __NAME__: name,
  __WORKERS_AGENTS_DEP__: dependencyLine(options),
  __NIGHTLY__: scriptValue("scripts/nightly.sh", "NIGHTLY"),
  __WORKER_BUILD_VERSION__: scriptValue("scripts/setup-rust.sh", "WORKER_BUILD_VERSION"),
  __FRAMEWORK_URL__: options.git ?? repo,
};
const ours = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")).devDependencies;

for (const source of files(template)) {
  const path = join(target, relative(template, source));
  mkdirSync(dirname(path), { recursive: true });
  let text = readFileSync(source, "utf8");
  for (const [key, value] of Object.entries(values)) text = text.replaceAll(key, value);
  if (relative(template, source) === "package.json") {
    // The same versions as this repository's, which its tests run with.
    const manifest = JSON.parse(text);
    for (const dep of Object.keys(manifest.devDependencies)) {
      if (!ours[dep]) fail(`package.json of this repository has no ${dep}`);
      manifest.devDependencies[dep] = ours[dep];
    }
    text = `${JSON.stringify(manifest, null, 2)}\n`;
  }
  writeFileSync(path, text, { mode: statSync(source).mode });
}
// This repository's lock file: the project starts with the crate versions the framework is tested with (cargo drops
// the entries it does not use).
copyFileSync(join(repo, "Cargo.lock"), join(target, "Cargo.lock"));

const from = relative(process.env.INIT_CWD ?? process.cwd(), target);
console.log(`new: created ${name} in ${target}
  cd ${from.startsWith("../..") ? target : from}
  npm install && npm start    # serves http://127.0.0.1:8787
  npm install && npm test     # the tests, with the official AgentClient`);
