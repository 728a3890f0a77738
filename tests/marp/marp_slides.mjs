// What Marp itself makes of a deck, slide by slide: the reference the deck
// model is tested against (tests/marp/test_marp_fidelity.py).
//
// Usage: node tests/marp/marp_slides.mjs DECK.md [DECK.md ...]
// Prints one JSON object: {"<path>": {"slides": [...]} | {"error": "..."}}.
//
// Each deck is rendered by @marp-team/marp-core with the options the build
// uses (marp.config.mjs: html, lang, math, emoji) plus the directives
// marp-cli adds (title, author, ... and transition), so loose YAML and
// directive recognition match `make slides`.  No browser: the rendered HTML
// is read with regular expressions, which is safe here because Marpit writes
// every <section> of a slide itself, escaped, right after <foreignObject>.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, resolve } from 'node:path'
import { Marp } from '@marp-team/marp-core'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const config = (await import(resolve(root, 'marp.config.mjs'))).default

const cliGlobals = ['author', 'description', 'image', 'keywords', 'title', 'url']

function engine() {
  const marp = new Marp({ ...config.options, html: config.html, lang: config.lang })
  // marp-cli registers these (its metadata and transition directives); with
  // looseYAML they also decide how front matter is read.
  for (const name of cliGlobals) {
    marp.customDirectives.global[name] = (v) => (typeof v === 'string' ? { [`cli_${name}`]: v } : {})
  }
  marp.customDirectives.local.transition = (v) => (typeof v === 'string' ? { cli_transition: v } : {})
  return marp
}

const entities = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'" }
function unescape(text) {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (all, name) => {
    if (name in entities) return entities[name]
    if (name[0] === '#') {
      const code = name[1].toLowerCase() === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10)
      return String.fromCodePoint(code)
    }
    return all
  })
}

function attributes(tag) {
  const found = {}
  for (const m of tag.matchAll(/([\w:-]+)(?:="([^"]*)")?/g)) found[m[1]] = m[2] === undefined ? '' : unescape(m[2])
  return found
}

// URLs a slide's HTML makes the browser load (not links): src, poster,
// srcset candidates, data (object), and url() in inline styles.
function loads(html) {
  const urls = []
  const value = (m) => unescape(m[2] ?? m[3] ?? m[4])
  for (const m of html.matchAll(/\s(src|poster|data)=(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/g)) urls.push(value(m))
  for (const m of html.matchAll(/\s(srcset)=(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/g)) {
    for (const part of value(m).split(',')) {
      const url = part.trim().split(/\s+/)[0]
      if (url) urls.push(url)
    }
  }
  // href is a load (not a link) on SVG <image>/<use> and on <link>
  for (const tag of html.matchAll(/<(?:image|use|link)\b[^>]*>/gi)) {
    for (const m of tag[0].matchAll(/\s((?:xlink:)?href)=(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/g)) urls.push(value(m))
  }
  for (const m of html.matchAll(/\s(style)=(?:"([^"]*)"|'([^']*)')/g)) {
    // Custom properties (Marpit writes every directive as --name: value) load nothing.
    const declarations = value(m).replace(/--[\w-]+\s*:[^;]*;?/g, '')
    for (const u of declarations.matchAll(/url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)/g)) {
      urls.push(u[1] ?? u[2] ?? u[3])
    }
  }
  return urls
}

function text(html) {
  return unescape(html.replace(/<[^>]*>/g, '')).trim()
}

// One <svg data-marpit-svg> per slide; inside it one <foreignObject><section>
// for the content, plus, with `![bg]`, an advanced-background section (its
// <figure>s carry the images) and a "pseudo" one.  Only the content section
// is a slide; every URL loaded anywhere in the <svg> is the slide's.
function slideOf(svg) {
  const sections = [...svg.matchAll(/<foreignObject[^>]*><section([^>]*)>/g)]
  const content = sections.find((m) => {
    const kind = attributes(m[1])['data-marpit-advanced-background']
    return kind !== 'background' && kind !== 'pseudo'
  })
  if (!content) return null
  const attrs = attributes(content[1])
  const body = svg.slice(content.index + content[0].length)
  const header = body.match(/^\s*<header>([\s\S]*?)<\/header>/)
  const footer = body.match(/<footer>([\s\S]*?)<\/footer>\s*<\/section>/)
  return {
    header: attrs['data-header'] ?? null,
    footer: attrs['data-footer'] ?? null,
    class: attrs['data-class'] ?? null,
    paginate: attrs['data-paginate'] ?? null,
    headerText: header ? text(header[1]) : null,
    footerText: footer ? text(footer[1]) : null,
    assets: loads(svg),
  }
}

const result = {}
for (const path of process.argv.slice(2)) {
  try {
    const { html, css, comments } = engine().render(readFileSync(path, 'utf8'))
    const withoutScripts = html.replace(/<script>[\s\S]*?<\/script>/g, '')
    const slides = withoutScripts
      .split(/(?=<svg data-marpit-svg)/)
      .filter((part) => part.startsWith('<svg'))
      .map(slideOf)
      .filter(Boolean)
      .map((slide, i) => ({ ...slide, notes: comments[i] ?? [] }))
    const styleUrls = [
      ...css.matchAll(/url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)|@import\s*(?:"([^"]*)"|'([^']*)')/g),
    ].map((u) => u.slice(1).find((g) => g !== undefined))
    result[path] = { slides, styleUrls }
  } catch (error) {
    result[path] = { error: String(error && error.stack ? error.stack : error) }
  }
}
process.stdout.write(JSON.stringify(result, null, 1) + '\n')
