// Japanese typesetting and legibility check for a rendered Marp deck.
//
// Why: the theme asks Chromium for kinsoku (`line-break: strict`) and phrase
// wrapping (`word-break: auto-phrase`), but CSS only states a wish.  What a
// student reads is the laid-out page, so this looks at the layout itself,
// the way the overflow check does, and reports what a careful typesetter
// would send back:
//
//   line-start  a wrapped line begins with a character JIS X 4051 forbids at
//               a line start (small kana, 。、，．）」』…, ー, ！？ ...);
//               inline code may start a line with anything (`.item()`)
//   widow       the last line of a wrapped paragraph holds fewer than
//               options.minLastLine characters (default 3; closing
//               punctuation not counted: 「す。」 and 「必要」 alone are widows)
//   contrast    text against its effective background is below
//               options.minContrast (WCAG 2 AA: 4.5:1), theme labels included;
//               傍点 (text-emphasis marks) below options.minMarkContrast
//               (3:1, WCAG's figure for graphics)
//   small-text  text (or a theme label such as the page number) is smaller
//               than options.minTextPx at slide scale, after Marp's
//               auto-scaling of code and math
//   small-code  code in a block (<pre>) is smaller than the size the theme
//               promises for it, `--lk-min-code-px` on the slide (honwaka:
//               26px), else options.minCodePx (default 0: no promise), after
//               auto-scaling; a long line shrinks its whole block below it
//
// Contract (the build calls it through puppeteer):
//
//   import { typesetting } from './typesetting.mjs'
//   const findings = await page.evaluate(typesetting, { minTextPx: 20 })
//   // -> [{ slide, what, text, detail }]
//
// `slide` is the 1-based index among the deck's slides
// (`svg[data-marpit-svg] > foreignObject > section`), not counting the extra
// sections Marp adds for advanced backgrounds
// (data-marpit-advanced-background="background" | "pseudo").
//
// The function runs inside the page, so it is self-contained: puppeteer
// sends its source text, and nothing from this module's scope travels with it.
// Call it after fonts, images and Marp's auto-scaling have settled.

export const DEFAULT_OPTIONS = Object.freeze({ minTextPx: 20, minContrast: 4.5, minMarkContrast: 3, minLastLine: 3, minCodePx: 0 })

export function typesetting(options = {}) {
  const minTextPx = options.minTextPx ?? 20
  const minContrast = options.minContrast ?? 4.5
  const minMarkContrast = options.minMarkContrast ?? 3
  const snippetLength = options.snippetLength ?? 24
  const minLastLine = options.minLastLine ?? 3
  const minCodePx = options.minCodePx ?? 0

  // JIS X 4051 line-start prohibited characters (行頭禁則): closing brackets,
  // hyphens, dividing punctuation, middle dots, full stops, commas,
  // iteration marks, the prolonged sound mark, small kana, inseparables;
  // plus their ASCII forms.
  const NO_LINE_START = new Set([
    ...'’”）〕］｝〉》」』】〙〗〟｠»',
    ...'‐゠–〜～',
    ...'？！‼⁇⁈⁉',
    ...'・：；',
    ...'。．',
    ...'、，',
    ...'ヽヾゝゞ々〻',
    ...'ー',
    ...'ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ',
    ...'…‥',
    ...')]},.!?:;%',
  ])
  // Not counted when sizing a last line: 「す。」 is one character and a stop.
  const TRAILING = new Set([...'。．、，）」』】〕］｝〉》’”！？…‥)]},.!?:;'])

  const SKIP_TAGS = new Set(['SCRIPT', 'STYLE', 'TEMPLATE', 'NOSCRIPT'])
  const ATOMIC_TAGS = new Set(['MJX-CONTAINER', 'IMG', 'SVG', 'svg', 'VIDEO', 'CANVAS', 'IFRAME'])

  const findings = []
  const report = (slide, what, text, detail) => findings.push({ slide, what, text, detail })
  const snippet = (text) => {
    const flat = text.replace(/\s+/g, ' ').trim()
    return flat.length > snippetLength ? `${flat.slice(0, snippetLength)}…` : flat
  }

  // ---- colours ---------------------------------------------------------

  const canvas = document.createElement('canvas')
  canvas.width = 1
  canvas.height = 1
  const paint = canvas.getContext('2d', { willReadFrequently: true })
  const colourCache = new Map()
  // Any CSS colour the page computed (rgb(), color(srgb ...), oklab() ...)
  // as [r, g, b, a] with r, g, b in 0..255 and a in 0..1, via the canvas.
  const rgba = (css) => {
    if (colourCache.has(css)) return colourCache.get(css)
    paint.clearRect(0, 0, 1, 1)
    paint.fillStyle = '#000'
    paint.fillStyle = css
    paint.fillRect(0, 0, 1, 1)
    const [r, g, b, a] = paint.getImageData(0, 0, 1, 1).data
    const value = a === 0 ? [0, 0, 0, 0] : [r * 255 / a, g * 255 / a, b * 255 / a, a / 255]
    colourCache.set(css, value)
    return value
  }
  const over = (top, bottom) => {
    const a = top[3]
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat(1)
  }
  const luminance = ([r, g, b]) => {
    const channel = (v) => {
      const c = v / 255
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
    }
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
  }
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x)
    return (hi + 0.05) / (lo + 0.05)
  }
  const hex = (c) => `#${c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`
  const gradientColours = (image) =>
    image && image !== 'none' ? (image.match(/(rgba?|color|oklch|oklab|hsla?)\([^()]*\)/g) ?? []) : []

  // The colours that may lie behind an element's text: its own background
  // and its ancestors', composited; a gradient contributes each of its stops
  // (the worst one decides), an image background is unknown and skipped.
  const backdropCache = new Map()
  // Nothing is looked up beyond the slide: under a transparent section lies
  // its advanced-background twin (Marp's `![bg]` slides), else white paper.
  const below = (el) => {
    if (el.tagName !== 'SECTION') return backdrops(el.parentElement)
    const twin = el.closest('svg')?.querySelector('section[data-marpit-advanced-background="background"]')
    return twin && twin !== el ? backdrops(twin) : [[255, 255, 255, 1]]
  }
  const backdrops = (el) => {
    if (!el) return [[255, 255, 255, 1]]
    if (backdropCache.has(el)) return backdropCache.get(el)
    const css = getComputedStyle(el)
    const layers = [rgba(css.backgroundColor)]
    for (const stop of gradientColours(css.backgroundImage)) layers.push(rgba(stop))
    const under = layers.some((c) => c[3] < 1) ? below(el) : []
    const result = []
    for (const layer of layers) {
      if (layer[3] >= 1) result.push(layer)
      else if (layer[3] > 0) for (const below of under) result.push(over(layer, below))
    }
    if (layers.every((c) => c[3] === 0)) result.push(...under)
    const unique = [...new Map(result.map((c) => [hex(c), c])).values()]
    backdropCache.set(el, unique)
    return unique
  }
  const pseudoBackdrops = (el, pseudo) => {
    const own = rgba(getComputedStyle(el, pseudo).backgroundColor)
    if (own[3] >= 1) return [own]
    const under = backdrops(el)
    return own[3] > 0 ? under.map((c) => over(own, c)) : under
  }
  const worstContrast = (colour, behind) => {
    let worst = null
    for (const bg of behind) {
      const fg = colour[3] < 1 ? over(colour, bg) : colour
      const value = ratio(fg, bg)
      if (!worst || value < worst.value) worst = { value, fg, bg }
    }
    return worst
  }

  // ---- sizes -----------------------------------------------------------

  // Marp's auto-scaling (code blocks, fitted headings, math) draws its
  // content in an SVG and shrinks it; the factor multiplies the font size.
  const autoScale = (el) => {
    let factor = 1
    for (let node = el; node; node = node.parentElement ?? node.getRootNode()?.host) {
      if (node.nodeType !== Node.ELEMENT_NODE) continue
      const scaler = node.tagName === 'MARP-AUTO-SCALING' ? node
        : node.shadowRoot?.querySelector('marp-auto-scaling')
      const svg = scaler?.shadowRoot?.querySelector('svg')
      const natural = svg?.viewBox?.baseVal?.width
      if (natural) {
        const frame = svg.closest('section') ?? node.closest('section')
        const scale = frame ? frame.getBoundingClientRect().width / frame.offsetWidth : 1
        factor *= svg.getBoundingClientRect().width / scale / natural
      }
      if (node.tagName === 'SECTION') break
    }
    return Math.min(1, factor)
  }

  // ---- per element checks: size and contrast ----------------------------

  const visible = (el) => {
    for (let node = el; node && node.tagName !== 'SECTION'; node = node.parentElement) {
      const css = getComputedStyle(node)
      if (css.display === 'none' || css.visibility === 'hidden' || parseFloat(css.opacity) === 0) return false
    }
    return true
  }

  // The code size the theme promises (`--lk-min-code-px` on the slide), else the option.
  const shrunkCode = new Set() // one finding per code block
  const codeMinimum = (el) => {
    const section = el.closest('section')
    const promised = section ? parseFloat(getComputedStyle(section).getPropertyValue('--lk-min-code-px')) : NaN
    return Number.isFinite(promised) ? promised : minCodePx
  }

  const checkLook = (slide, el, text, pseudo) => {
    const css = getComputedStyle(el, pseudo)
    const label = pseudo ? `${describe(el)}${pseudo}` : describe(el)
    const size = parseFloat(css.fontSize) * (pseudo ? 1 : autoScale(el))
    if (size + 0.05 < minTextPx) {
      report(slide, 'small-text', snippet(text),
        `${label}: ${size.toFixed(1)}px, below the minimum ${minTextPx}px`)
    } else if (!pseudo && el.closest('pre, marp-pre')) {
      const least = codeMinimum(el)
      const block = el.closest('pre, marp-pre')
      if (size + 0.05 < least && !shrunkCode.has(block)) {
        shrunkCode.add(block)
        report(slide, 'small-code', snippet(text),
          `${label}: code at ${size.toFixed(1)}px, below the ${least}px the theme promises`)
      }
    }
    const behind = pseudo ? pseudoBackdrops(el, pseudo) : backdrops(el)
    const worst = worstContrast(rgba(css.color), behind)
    if (worst && worst.value + 0.005 < minContrast) {
      report(slide, 'contrast', snippet(text),
        `${label}: ${hex(worst.fg)} on ${hex(worst.bg)} is ${worst.value.toFixed(2)}:1, below ${minContrast}:1`)
    }
    // 傍点 (text-emphasis marks) are graphics: WCAG asks 3:1 of them.
    const emphasis = css.textEmphasisStyle ?? css.webkitTextEmphasisStyle
    if (!pseudo && emphasis && emphasis !== 'none') {
      const mark = worstContrast(rgba(css.textEmphasisColor ?? css.webkitTextEmphasisColor), behind)
      if (mark && mark.value + 0.005 < minMarkContrast) {
        report(slide, 'contrast', snippet(text),
          `${label}: emphasis marks ${hex(mark.fg)} on ${hex(mark.bg)} are ${mark.value.toFixed(2)}:1, below ${minMarkContrast}:1`)
      }
    }
  }

  const describe = (el) => {
    const classes = [...el.classList].filter((c) => !c.startsWith('hljs')).slice(0, 2)
    return el.tagName.toLowerCase() + classes.map((c) => `.${c}`).join('')
  }

  const pseudoText = (el, pseudo) => {
    const content = getComputedStyle(el, pseudo).content
    if (!content || content === 'none' || content === 'normal') return null
    // Quoted strings, and attr(name) resolved; counters and images are skipped.
    let text = ''
    for (const part of content.matchAll(/"((?:[^"\\]|\\.)*)"|attr\(([\w-]+)\)/g)) {
      text += part[1] !== undefined ? part[1].replace(/\\(.)/g, '$1') : (el.getAttribute(part[2]) ?? '')
    }
    return text.trim() ? text : null
  }

  // ---- line breaking ---------------------------------------------------

  // The block box whose lines a text run belongs to.
  const blockOf = (el) => {
    let node = el
    while (node && node.tagName !== 'SECTION') {
      const display = getComputedStyle(node).display
      if (display !== 'inline' && display !== 'contents') return node
      node = node.parentElement
    }
    return node
  }

  const inCode = (el) => !!el.closest('pre, code, marp-pre')

  // Items of one block in reading order: characters with their boxes, atomic
  // inline boxes (math, images) and forced breaks (<br>).
  const collectBlock = (block) => {
    const items = []
    const walk = (parent) => {
      for (const node of parent.childNodes) {
        if (node.nodeType === Node.TEXT_NODE) {
          const text = node.data
          let offset = 0
          for (const ch of text) {
            const length = ch.length
            if (!/\s/.test(ch)) {
              const range = document.createRange()
              range.setStart(node, offset)
              range.setEnd(node, offset + length)
              const rect = [...range.getClientRects()].find((r) => r.width > 0 || r.height > 0)
              if (rect) items.push({ ch, rect, code: inCode(parent) })
            }
            offset += length
          }
          continue
        }
        if (node.nodeType !== Node.ELEMENT_NODE || SKIP_TAGS.has(node.tagName)) continue
        if (node.tagName === 'BR') {
          items.push({ brk: true })
          continue
        }
        const css = getComputedStyle(node)
        if (css.display === 'none' || css.visibility === 'hidden') continue
        if (ATOMIC_TAGS.has(node.tagName) || css.display.startsWith('inline-') ||
            (css.display !== 'inline' && css.display !== 'contents')) {
          // A nested block is its own paragraph; an inline-block is one unit.
          if (css.display === 'inline' || css.display.startsWith('inline-') || ATOMIC_TAGS.has(node.tagName)) {
            const rect = node.getBoundingClientRect()
            if (rect.width > 0 && rect.height > 0) items.push({ ch: '', atom: node, rect })
          } else {
            items.push({ brk: true, nested: true })
          }
          continue
        }
        walk(node)
      }
    }
    walk(block)
    return items
  }

  // Split a block's items into lines: a new line starts where the text jumps
  // back to the left and down.  Forced breaks and nested blocks end a
  // paragraph; only lines that wrapping created are judged.
  const paragraphsOf = (items) => {
    const paragraphs = []
    let lines = []
    let line = null
    let previous = null
    const close = () => {
      if (line) lines.push(line)
      if (lines.length) paragraphs.push(lines)
      lines = []
      line = null
      previous = null
    }
    for (const item of items) {
      if (item.brk) {
        close()
        continue
      }
      const wraps = previous && item.rect.left < previous.rect.left - 1 &&
        item.rect.top >= previous.rect.top + Math.min(item.rect.height, previous.rect.height) / 2
      if (!line || wraps) {
        if (line) lines.push(line)
        line = []
      }
      line.push(item)
      previous = item
    }
    close()
    return paragraphs
  }

  const lineText = (line) => line.map((item) => item.ch || '□').join('')

  const checkBlock = (slide, block) => {
    for (const lines of paragraphsOf(collectBlock(block))) {
      if (lines.length < 2) continue
      for (let i = 1; i < lines.length; i += 1) {
        const first = lines[i][0]
        if (first.ch && !first.code && NO_LINE_START.has(first.ch)) {
          const before = lineText(lines[i - 1]).slice(-6)
          const after = lineText(lines[i]).slice(0, 6)
          report(slide, 'line-start', `${before}/${after}`,
            `line ${i + 1} of ${describe(block)} starts with 「${first.ch}」, which must not begin a line (JIS X 4051)`)
        }
      }
      const last = lines[lines.length - 1]
      const counted = last.filter((item) => !(item.ch && TRAILING.has(item.ch)))
      if (counted.length < minLastLine) {
        const before = lineText(lines[lines.length - 2]).slice(-6)
        const holds = counted.length === 1 ? 'one character' : `${counted.length} characters`
        report(slide, 'widow', `${before}/${lineText(last)}`,
          `the last line of ${describe(block)} holds ${holds}`)
      }
    }
  }

  // ---- the deck --------------------------------------------------------

  const sections = [...document.querySelectorAll('svg[data-marpit-svg] > foreignObject > section')]
    .filter((s) => !['background', 'pseudo'].includes(s.getAttribute('data-marpit-advanced-background')))

  sections.forEach((section, index) => {
    const slide = index + 1
    const looked = new Set()
    const blocks = new Set()
    const walker = document.createTreeWalker(section, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT)
    for (let node = walker.currentNode; node; node = walker.nextNode()) {
      if (node.nodeType === Node.ELEMENT_NODE) {
        if (SKIP_TAGS.has(node.tagName) || !visible(node)) continue
        for (const pseudo of ['::before', '::after']) {
          const text = pseudoText(node, pseudo)
          if (text) checkLook(slide, node, text, pseudo)
        }
        continue
      }
      if (!node.data.trim()) continue
      const parent = node.parentElement
      if (!parent || SKIP_TAGS.has(parent.tagName) || parent instanceof SVGElement ||
          parent.closest('mjx-container') || !visible(parent)) continue
      if (!looked.has(parent)) {
        looked.add(parent)
        checkLook(slide, parent, parent.textContent, null)
      }
      if (!inCode(parent)) blocks.add(blockOf(parent))
    }
    for (const block of blocks) checkBlock(slide, block)
  })
  return findings
}
