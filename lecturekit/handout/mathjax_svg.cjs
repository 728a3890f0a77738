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
  const narrowEx = Number(process.argv[2] || 0);
  const narrow = narrowEx ? narrowTypesetter() : null;
  for (const item of [...doc.math]) {
    const root = item.typesetRoot;
    const svg = adaptor.firstChild(root);
    if (!svg || adaptor.kind(svg) !== 'svg') continue;
    const name = item.math.trim().replace(/\s+/g, ' ');
    adaptor.setAttribute(svg, 'aria-label', name);
    if (narrow && item.display && widthEx(svg) > narrowEx) {
      const lines = narrow(item.math, widthEx(svg), narrowEx);
      if (lines) {
        adaptor.setAttribute(adaptor.firstChild(lines), 'aria-label', name);
        adaptor.setAttribute(root, 'data-lk-wide', '');
        adaptor.setAttribute(lines, 'data-lk-narrow', '');
        const next = adaptor.next(root);
        if (next) adaptor.insert(lines, next); else adaptor.append(adaptor.parent(root), lines);
      }
    }
  }
  const out = adaptor.doctype(doc.document) + '\n' + adaptor.outerHTML(adaptor.root(doc.document));
  process.stdout.write(out);
});

// An SVG's width in ex, as MathJax writes it.
function widthEx(svg) {
  return parseFloat((svg.attributes || {}).width) || 0;
}

// A formula wider than a phone's column (narrowEx) is also typeset broken into lines, as a
// person would break it by hand: first at the \qquad between side-by-side formulas, then also
// before each relation (=, ≈, ←, ...), then also before each + - · between terms; each only at
// the formula's top level (never inside braces, \left...\right or an environment), and the
// pieces of a formula joined again on one line while they fit.  The first of these that fits is
// used, else the narrowest if it is narrower than the formula; the reading page shows it on
// phones instead of shrinking the whole formula.  The lines are typeset apart (each SVG holds
// its own glyphs), so the page's shared glyph cache is not touched.
function narrowTypesetter() {
  const tex = new TeX({
    packages: AllPackages.filter((name) => !['bussproofs', 'noerrors', 'noundefined'].includes(name)),
    formatError: (jax, err) => { throw err; },
  });
  const svg = new SVG({fontCache: 'local'});
  const doc = mathjax.document('', {InputJax: tex, OutputJax: svg});
  const typeset = (rows) => {
    try {
      const node = doc.convert(`\\begin{aligned}${rows.join(' \\\\ ')}\\end{aligned}`, {display: true});
      return {node, width: widthEx(node.children[0])};
    } catch (err) {
      return null;
    }
  };
  return (source, wide, narrowEx) => {
    const pieces = topLevelPieces(source);
    let best = null;
    for (const level of [1, 2, 3]) {
      const groups = brokenRows(pieces, level);
      if (!groups) continue;
      const rows = groups.flatMap((group) => group.reduce((joined, row) => {
        const last = joined[joined.length - 1];
        const together = last === undefined ? null : typeset([last + row.replace(/^&(\\quad\{\})?/, '')]);
        if (together && together.width <= narrowEx) joined[joined.length - 1] = last + row.replace(/^&(\\quad\{\})?/, '');
        else joined.push(row);
        return joined;
      }, []));
      const lines = rows.length > 1 ? typeset(rows) : null;
      if (!lines) continue;
      if (!best || lines.width < best.width) best = lines;
      if (lines.width <= narrowEx) break;
    }
    return best && best.width < wide - 1 ? best.node : null;
  };
}

const RELATIONS = new Set(['=', '<', '>', '\\approx', '\\leftarrow', '\\rightarrow', '\\to',
  '\\le', '\\leq', '\\ge', '\\geq', '\\ne', '\\neq', '\\equiv', '\\simeq', '\\propto']);
const OPERATORS = new Set(['+', '-', '\\cdot', '\\times']);

// The top-level tokens of a formula: {text, kind} with kind 'qquad', 'rel', 'op' or ''.
function topLevelPieces(source) {
  const tokens = [];
  let depth = 0;
  const re = /\\(?:[A-Za-z]+|.)|[{}]|\s+|[^\\{}\s]/g;
  let prev = '';
  for (const [token] of source.matchAll(re)) {
    let kind = '';
    if (token === '{' || token === '\\left' || token === '\\begin') depth += 1;
    else if (token === '}' || token === '\\right' || token === '\\end') depth -= 1;
    else if (depth === 0 && token === '\\qquad') kind = 'qquad';
    else if (depth === 0 && RELATIONS.has(token)) kind = 'rel';
    else if (depth === 0 && OPERATORS.has(token) && prev && !['rel', 'op', 'qquad', 'open'].includes(prev)) kind = 'op';
    // \left and \begin take their argument ( (, {name} ) inside the depth they open.
    tokens.push({text: token, kind});
    if (!/^\s+$/.test(token)) prev = kind || (['(', '[', '^', '_'].includes(token) ? 'open' : 'x');
  }
  return depth === 0 ? tokens : [];
}

// The formula's rows for `aligned`, a list per side-by-side formula, broken at the kinds of the
// given level (1: \qquad; 2: and relations; 3: and operators), or null when it has no such
// place.  A formula's first relation is its alignment point (&); a row broken before a term
// starts indented (\quad) with an empty group ({}), so its + stays a binary operator.
function brokenRows(tokens, level) {
  const groups = [[]];
  for (const token of tokens) {
    if (token.kind === 'qquad') groups.push([]);
    else groups[groups.length - 1].push(token);
  }
  if (level === 1 && groups.length === 1) return null;
  let broken = groups.length > 1;
  const rows = groups.map((group) => {
    const lines = [['&']];
    let seenRelation = false;
    for (const token of group) {
      const current = lines[lines.length - 1];
      const breakHere = (level >= 2 && token.kind === 'rel' && seenRelation)
        || (level >= 3 && token.kind === 'op' && current.join('').replace(/[&\s]|\\quad|\{\}/g, '') !== '');
      if (token.kind === 'rel' && !seenRelation) {
        lines[0] = lines[0].filter((t) => t !== '&');
        lines[0].push('&');
        seenRelation = true;
      }
      if (breakHere) {
        lines.push(token.kind === 'op' ? ['&\\quad{}'] : ['&']);
        broken = true;
      }
      lines[lines.length - 1].push(token.text);
    }
    return lines.map((line) => line.join('').trim());
  });
  return broken ? rows : null;
}
