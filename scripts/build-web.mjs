// Builds the demo's web page (web/) into web/dist/, which the demo worker
// serves as static assets (wrangler.toml `[assets]`): index.html and
// style.css copied, web/src/main.jsx bundled by esbuild into app.js.
// Run by scripts/build.sh for the demo; `node scripts/build-web.mjs` alone.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { build } from "esbuild";

const web = new URL("../web/", import.meta.url).pathname;
const out = `${web}dist/`;
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const file of ["index.html", "style.css"]) copyFileSync(`${web}${file}`, `${out}${file}`);
await build({
  entryPoints: [`${web}src/main.jsx`],
  outfile: `${out}app.js`,
  bundle: true,
  minify: true,
  format: "iife",
  jsx: "automatic",
  target: "es2022",
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "warning",
});
console.log(`web: ${out} built`);
