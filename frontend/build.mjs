// Bundles the front end into crm/static/dist (ignored by git; built by `make assets`).
import { build } from "esbuild";

const common = { bundle: true, minify: true, sourcemap: true, logLevel: "warning", legalComments: "linked" };

await build({ ...common, entryPoints: ["frontend/src/app.js"], outfile: "crm/static/dist/app.js", format: "iife", target: "es2020" });
await build({
  ...common,
  entryPoints: ["frontend/src/app.css"],
  outfile: "crm/static/dist/app.css",
  loader: { ".woff": "file", ".woff2": "file", ".ttf": "file", ".svg": "file" },
});
