// Builds the interface into dist/: the JavaScript (an entry bundle, and chunks loaded on demand,
// such as the code editor) and one CSS bundle, with content-hashed names, under dist/assets/;
// the page (dist/index.html) that loads them; and a gzip form of each text file for clients
// that accept it. Run by scripts/build-web (make run, make build); `node build.mjs DIR` builds
// into DIR instead.
import { build } from "esbuild";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import path from "node:path";

const here = path.dirname(new URL(import.meta.url).pathname);
// The output directory: dist/, or the one given as the first argument.
const dist = process.argv[2] ? path.resolve(process.argv[2]) : path.join(here, "dist");
rmSync(dist, { recursive: true, force: true });
mkdirSync(path.join(dist, "assets"), { recursive: true });

const result = await build({
  entryPoints: { app: path.join(here, "src/main.jsx") },
  bundle: true,
  minify: true,
  sourcemap: false,
  format: "esm",
  splitting: true, // the code editor is loaded when a form first needs it
  chunkNames: "chunk-[hash]",
  target: ["es2020"],
  jsx: "automatic",
  jsxImportSource: "preact",
  entryNames: "[name]-[hash]",
  outdir: path.join(dist, "assets"),
  metafile: true,
  legalComments: "none",
  logLevel: "warning",
});

const outputs = Object.entries(result.metafile.outputs);
const entry = outputs.find(([, o]) => o.entryPoint && o.entryPoint.endsWith("main.jsx"));
const js = path.basename(entry[0]);
const css = entry[1].cssBundle && path.basename(entry[1].cssBundle);
const page = readFileSync(path.join(here, "src/index.html"), "utf8")
  .replace("%CSS%", css ? `<link rel="stylesheet" href="/assets/${css}">` : "")
  .replace("%JS%", `<script type="module" src="/assets/${js}"></script>`);
writeFileSync(path.join(dist, "index.html"), page);

let total = 0;
const gzipAll = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) gzipAll(file);
    else if (/\.(html|js|css|svg|json)$/.test(entry.name)) {
      const gz = gzipSync(readFileSync(file), { level: 9 });
      writeFileSync(file + ".gz", gz);
      total += gz.length;
    }
  }
};
gzipAll(dist);
console.log(`web interface built in ${path.relative(process.cwd(), dist) || "."}: ${total} bytes gzipped`);
