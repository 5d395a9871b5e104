// Builds each widget into one minified ES module served by the gateway
// (gateway/static/widgets/<name>.js), with its gzip and brotli forms beside it, and a
// manifest naming the source files' hash, so a test sees a source changed and not built.
//   npm run build          write the built files
//   npm run build -- --out DIR   write them into DIR instead (the test's fresh build)
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
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

const manifest = { source_sha256: hash.digest("hex"), widgets: {} };
for (const name of WIDGETS) {
  const result = await build({
    entryPoints: [join(sources, `${name}.js`)],
    bundle: true,
    minify: true,
    format: "esm",
    target: ["es2022"],
    legalComments: "none",
    write: false,
  });
  const code = Buffer.from(result.outputFiles[0].contents);
  writeFileSync(join(out, `${name}.js`), code);
  writeFileSync(join(out, `${name}.js.gz`), gzipSync(code, { level: 9 }));
  const br = brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  writeFileSync(join(out, `${name}.js.br`), br);
  manifest.widgets[name] = {
    sha256: createHash("sha256").update(code).digest("hex"),
    bytes: code.length,
    gzip_bytes: gzipSync(code, { level: 9 }).length,
    brotli_bytes: br.length,
  };
}
writeFileSync(join(out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
for (const [name, sizes] of Object.entries(manifest.widgets)) {
  console.log(`${name}.js ${sizes.bytes} B, gzip ${sizes.gzip_bytes} B, brotli ${sizes.brotli_bytes} B`);
}
