// Typeset the TeX of an HTML page (read on stdin) into inline SVG (written to
// stdout) with the mathjax-full that marp-cli already installs, so the page
// needs neither a network nor JavaScript to show its formulas.
'use strict';
const {mathjax} = require('mathjax-full/js/mathjax.js');
const {TeX} = require('mathjax-full/js/input/tex.js');
const {SVG} = require('mathjax-full/js/output/svg.js');
const {liteAdaptor} = require('mathjax-full/js/adaptors/liteAdaptor.js');
const {RegisterHTMLHandler} = require('mathjax-full/js/handlers/html.js');
const {AllPackages} = require('mathjax-full/js/input/tex/AllPackages.js');

const chunks = [];
process.stdin.on('data', (chunk) => chunks.push(chunk));
process.stdin.on('end', () => {
  const html = Buffer.concat(chunks).toString('utf8');
  const errors = [];
  const adaptor = liteAdaptor({fontSize: 16});
  RegisterHTMLHandler(adaptor);
  const tex = new TeX({
    packages: AllPackages.filter((name) => !['bussproofs', 'noerrors', 'noundefined'].includes(name)),
    inlineMath: [['$', '$'], ['\\(', '\\)']],
    displayMath: [['$$', '$$'], ['\\[', '\\]']],
    processEscapes: true,
    formatError: (jax, err) => {
      errors.push(`$${jax.latex}$: ${err.message}`);
      return jax.formatError(err);
    },
  });
  const svg = new SVG({fontCache: 'global'});
  const doc = mathjax.document(html, {InputJax: tex, OutputJax: svg});
  doc.render();
  if (errors.length) {
    process.stderr.write(errors.map((e) => `TeX error in ${e}`).join('\n') + '\n');
    process.exit(2);
  }
  const out = adaptor.doctype(doc.document) + '\n' + adaptor.outerHTML(adaptor.root(doc.document));
  process.stdout.write(out);
});
