// Typeset the TeX of an HTML page (read on stdin) into inline SVG (written to
// stdout) with the mathjax-full that marp-cli already installs, so the page
// needs neither a network nor JavaScript to show its formulas.
// mathjax-full is resolved from LECTUREKIT_NODE_MODULES (set by lecturekit: the
// project's node_modules or its per-user engine cache), else from this folder.
'use strict';
const path = require('node:path');
const folder = process.env.LECTUREKIT_NODE_MODULES;
const load = folder ? require('node:module').createRequire(path.join(folder, '..', 'package.json'))
  : require;
const {mathjax} = load('mathjax-full/js/mathjax.js');
const {TeX} = load('mathjax-full/js/input/tex.js');
const {SVG} = load('mathjax-full/js/output/svg.js');
const {liteAdaptor} = load('mathjax-full/js/adaptors/liteAdaptor.js');
const {RegisterHTMLHandler} = load('mathjax-full/js/handlers/html.js');
const {AllPackages} = load('mathjax-full/js/input/tex/AllPackages.js');

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
  // Each formula's SVG (role="img") is named by its TeX, so a screen reader says what the
  // formula is rather than "image", and the name is the formula as the author wrote it.
  for (const item of doc.math) {
    const svg = adaptor.firstChild(item.typesetRoot);
    if (svg && adaptor.kind(svg) === 'svg') {
      adaptor.setAttribute(svg, 'aria-label', item.math.trim().replace(/\s+/g, ' '));
    }
  }
  const out = adaptor.doctype(doc.document) + '\n' + adaptor.outerHTML(adaptor.root(doc.document));
  process.stdout.write(out);
});
