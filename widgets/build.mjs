// Builds each widget into one minified ES module served by the gateway
// (gateway/static/widgets/<name>.js), with its gzip and brotli forms beside it, and a
// manifest naming the source files' hash, so a test sees a source changed and not built.
// The problem report's map (Leaflet, src/map.js) is a module of its own, named by its hash
// (map-<hash>.js), that the widget imports only when the municipality configured a map.
//   npm run build          write the built files
//   npm run build -- --out DIR   write them into DIR instead (the test's fresh build)
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const WIDGETS = [
  "vox-pop",
  "quick-poll",
  "suggestion-box",
  "proposal-list",
  "petition",
  "problem-report",
  "survey",
];
const at = process.argv.indexOf("--out");
const out = at > 0 ? process.argv[at + 1] : join(here, "..", "gateway", "static", "widgets");
mkdirSync(out, { recursive: true });

const sources = join(here, "src");
const hash = createHash("sha256");
for (const name of readdirSync(sources).sort()) {
  hash.update(name + "\0" + readFileSync(join(sources, name)) + "\0");
}

const manifest = { source_sha256: hash.digest("hex"), widgets: {}, chunks: {} };

/** One module, minified (``define``: names the build fills in), with its compressed forms. */
async function bundle(entry, options = {}) {
  const result = await build({
    entryPoints: [join(sources, entry)],
    bundle: true,
    minify: true,
    format: "esm",
    target: ["es2022"],
    legalComments: "none",
    loader: { ".css": "text" },
    write: false,
    ...options,
  });
  const code = Buffer.from(result.outputFiles[0].contents);
  const gzip = gzipSync(code, { level: 9 });
  const br = brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  const sha256 = createHash("sha256").update(code).digest("hex");
  return { code, gzip, br, sizes: { sha256, bytes: code.length, gzip_bytes: gzip.length, brotli_bytes: br.length } };
}

function write(file, built) {
  writeFileSync(join(out, file), built.code);
  writeFileSync(join(out, `${file}.gz`), built.gzip);
  writeFileSync(join(out, `${file}.br`), built.br);
}

// The map, with Leaflet's licence (BSD-2-Clause: its notice goes with every copy) at its top.
for (const old of readdirSync(out)) {
  if (/^map-[0-9a-f]{16}\.js(\.gz|\.br)?$/.test(old)) rmSync(join(out, old));
}
const leaflet = join(here, "node_modules", "leaflet");
const { version } = JSON.parse(readFileSync(join(leaflet, "package.json"), "utf8"));
const licence = readFileSync(join(leaflet, "LICENSE"), "utf8").trim();
const map = await bundle("map.js", { banner: { js: `/*! Leaflet ${version}, https://leafletjs.com\n\n${licence}\n*/` } });
const mapFile = `map-${map.sizes.sha256.slice(0, 16)}.js`;
write(mapFile, map);
manifest.chunks.map = { file: mapFile, ...map.sizes };

for (const name of WIDGETS) {
  const built = await bundle(`${name}.js`, { define: { __TINGET_MAP__: JSON.stringify(`./${mapFile}`) } });
  write(`${name}.js`, built);
  manifest.widgets[name] = built.sizes;
}
writeFileSync(join(out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
for (const [name, sizes] of Object.entries({ ...manifest.widgets, [mapFile.slice(0, -3)]: map.sizes })) {
  console.log(`${name}.js ${sizes.bytes} B, gzip ${sizes.gzip_bytes} B, brotli ${sizes.brotli_bytes} B`);
}
