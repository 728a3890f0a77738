// Measure a reading page (dist/X-handout.html) in headless Chromium as a phone reader meets it,
// and print the facts as JSON: per width, how far the page scrolls sideways, the smallest body
// and code text, each box wider than itself and whether it shows the scroll cue, the text
// lines that start with a closing stop or bracket, where a formula in a title bar sits, how
// each figure is drawn, and what a fixed element shows and covers at the page's top and end;
// at 390 px, whether the cue is really drawn (pixels).
//
//   node tests/handout/reading_phone.mjs page.html [width ...]
import puppeteer from 'puppeteer-core'
import { pathToFileURL } from 'node:url'
import { resolve } from 'node:path'

const [file, ...given] = process.argv.slice(2)
const widths = given.length ? given.map(Number) : [320, 360, 390, 414, 1280]

const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-dev-shm-usage'],
})

// Runs in the page: the facts at the current width.
function measure () {
  const px = (el, prop) => parseFloat(getComputedStyle(el)[prop])
  const visible = (el) => el.getClientRects().length > 0
  const hasText = (el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())
  const smallest = (selector) => Math.min(...[...document.querySelectorAll(selector)]
    .filter((el) => hasText(el) && visible(el)).map((el) => px(el, 'fontSize') * (el.currentCSSZoom ?? 1)))
  const boxes = [...document.querySelectorAll('main pre, main mjx-container[display="true"], main table')]
    .filter((el) => visible(el) && el.scrollWidth > el.clientWidth + 1)
    .map((el) => {
      const style = getComputedStyle(el)
      return {
        kind: el.tagName.toLowerCase(),
        text: el.textContent.slice(0, 40),
        scrolls: ['auto', 'scroll'].includes(style.overflowX),
        cue: style.backgroundAttachment.includes('local') && style.backgroundAttachment.includes('scroll') &&
          (style.backgroundImage.match(/gradient/g) || []).length >= 4,
      }
    })
  // Lines that start with a stop or a closing bracket: walk the glyphs (characters, formulas,
  // images) of each block in order; a glyph below the previous one begins a line.
  const closing = '。、，．）」』】〕］｝〉》!?！？:;：；)'
  const lineStarts = []
  const blockOf = (node) => {
    let el = node.nodeType === 1 ? node : node.parentElement
    while (el && getComputedStyle(el).display.startsWith('inline')) el = el.parentElement
    return el
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT, {
    acceptNode: (n) => {
      if (n.nodeType === 1) {
        if (['PRE', 'SCRIPT', 'STYLE', 'svg'].includes(n.tagName) || n.closest('pre, svg')) return NodeFilter.FILTER_REJECT
        return ['MJX-CONTAINER', 'IMG'].includes(n.tagName) ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP
      }
      return n.textContent.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP
    },
  })
  let prev = null
  let prevBlock = null
  const range = document.createRange()
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const block = blockOf(node)
    if (block !== prevBlock) { prev = null; prevBlock = block }
    if (node.nodeType === 1) {
      const rect = node.getBoundingClientRect()
      if (rect.width) prev = { rect, text: node.textContent.slice(0, 12) }
      continue
    }
    const text = node.textContent
    for (let i = 0; i < text.length; i++) {
      if (!text[i].trim()) continue
      range.setStart(node, i)
      range.setEnd(node, i + 1)
      const rect = [...range.getClientRects()].find((r) => r.width > 0)
      if (!rect) continue
      if (prev && rect.top >= prev.rect.bottom - 2 && closing.includes(text[i])) {
        lineStarts.push(`${prev.text}⏎${text.slice(i, i + 6)}`)
      }
      prev = { rect, text: text[i] }
    }
  }
  // A formula in a title bar: how far it stands from where its line's text would put it.
  const headerMath = [...document.querySelectorAll('section.lk-slide > header mjx-container')].map((math) => {
    const header = math.parentElement
    const before = math.previousSibling
    const m = math.getBoundingClientRect()
    if (before && before.nodeType === 3 && before.textContent.trim()) {
      range.selectNodeContents(before)
      const rects = [...range.getClientRects()].filter((r) => r.width > 0)
      const last = rects[rects.length - 1]
      const middle = (m.top + m.bottom) / 2
      if (middle > last.top && middle < last.bottom) return { gap: m.left - last.right }   // same line
    }
    return { gap: m.left - (header.getBoundingClientRect().left + px(header, 'paddingLeft')) }
  })
  // Fixed elements on show (not hidden, not transparent) and what each covers of any text,
  // formula or figure, as far as its box shows it: `covering` where it is drawn at this scroll
  // position, `inColumn` anywhere in the same column (scrolled past, it would cover it).
  const fixed = [...document.querySelectorAll('body *')].filter((el) => {
    const s = getComputedStyle(el)
    return s.position === 'fixed' && visible(el) && s.visibility !== 'hidden' && parseFloat(s.opacity) > 0.05
  })
  // A bar across the screen's top, opaque: what lies under it is out of view, as above the
  // screen's edge (it is reported as a bar, not as covering what scrolls under it).
  const opaque = (el) => {
    const m = getComputedStyle(el).backgroundColor.match(/[\d.]+/g) ?? []
    return m.length === 3 || (m.length === 4 && parseFloat(m[3]) === 1)
  }
  const isBar = (el) => {
    const r = el.getBoundingClientRect()
    return r.top <= 0.5 && r.left <= 0.5 && r.right >= window.innerWidth - 0.5 && opaque(el)
  }
  const bars = fixed.filter(isBar).map((el) => {
    const r = el.getBoundingClientRect()
    return { top: r.top, bottom: r.bottom, width: r.width, opaque: opaque(el) }
  })
  const shown = (el, rect) => {   // the part of rect that el and its boxes leave visible
    let { left, right, top, bottom } = rect
    for (let box = el; box && box !== document.body; box = box.parentElement) {
      const s = getComputedStyle(box)
      const b = box.getBoundingClientRect()
      const z = box.currentCSSZoom ?? 1   // client sizes are the box's own px, rects the screen's
      if (s.overflowX !== 'visible') {
        left = Math.max(left, b.left + box.clientLeft * z)
        right = Math.min(right, b.left + (box.clientLeft + box.clientWidth) * z)
      }
      if (s.overflowY !== 'visible') {
        top = Math.max(top, b.top + box.clientTop * z)
        bottom = Math.min(bottom, b.top + (box.clientTop + box.clientHeight) * z)
      }
    }
    return { left, right, top, bottom }
  }
  const drawn = []
  const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
  for (let node = texts.nextNode(); node; node = texts.nextNode()) {
    const el = node.parentElement
    if (!node.textContent.trim() || el.closest('style, svg, .lk-top') || !visible(el)) continue
    range.selectNodeContents(node)
    for (const r of range.getClientRects()) if (r.width > 0) drawn.push({ el, r, text: node.textContent.trim().slice(0, 20) })
  }
  for (const el of document.querySelectorAll('main img, main mjx-container > svg')) {
    if (visible(el)) drawn.push({ el: el.parentElement, r: el.getBoundingClientRect(), text: el.tagName })
  }
  const overlaps = (vertical) => fixed.filter((el) => !isBar(el)).flatMap((el) => {
    const f = el.getBoundingClientRect()
    return drawn.filter(({ el: at, r }) => {
      const s = shown(at, r)
      const across = s.right > s.left && f.left < s.right - 0.5 && f.right > s.left + 0.5
      return across && (!vertical || (s.bottom > s.top && f.top < s.bottom - 0.5 && f.bottom > s.top + 0.5))
    }).map(({ text }) => `${el.textContent.trim()} covers ${text}`)
  })
  const covering = overlaps(true)
  const inColumn = overlaps(false)
  // What a box holds beyond its edges that no scrolling reaches (cut off), either way.
  const cutOff = [...document.querySelectorAll('main pre, main mjx-container[display="true"], main .lk-fig-box')]
    .filter(visible).filter((el) => {
      const s = getComputedStyle(el)
      const scrolls = (v) => ['auto', 'scroll'].includes(v)
      return (el.scrollWidth > el.clientWidth + 1 && !scrolls(s.overflowX)) ||
        (el.scrollHeight > el.clientHeight + 1 && !scrolls(s.overflowY))
    }).map((el) => el.textContent.slice(0, 40))
  // Figures: whether each opens itself when tapped, is drawn whole on the screen (inside the
  // viewport and its box, nothing to scroll), how tall it is, and whether the hint shows.
  const figures = [...document.querySelectorAll('main .lk-fig-box')].filter(visible).map((box) => {
    const img = box.querySelector('img')
    const hint = box.parentElement.querySelector('.lk-fig-hint')
    const r = img.getBoundingClientRect()
    const b = box.getBoundingClientRect()
    return {
      alt: img.alt,
      drawnFrom: img.currentSrc.startsWith('data:') ? img.currentSrc.slice(0, 60) : img.currentSrc,
      narrowVariant: !!img.closest('picture')?.querySelector('source') &&
        img.currentSrc === img.closest('picture').querySelector('source').srcset,
      opens: box.querySelector('a.lk-fig-open')?.getAttribute('href') === `#${box.id}`,
      width: r.width,
      height: r.height,
      whole: r.left >= -0.5 && r.right <= window.innerWidth + 0.5 && r.left >= b.left - 0.5 &&
        r.right <= b.right + 0.5 && box.scrollWidth <= box.clientWidth + 1,
      vh: window.innerHeight,
      hint: hint.getBoundingClientRect().height,
      hintText: hint.innerText.trim(),
    }
  })
  // Checked values (`# -> ...` comments kept in the code) and comments after code: where each
  // is drawn, against the screen and the code box it is in (before any sideways scroll).
  const checks = [...document.querySelectorAll('main pre code :is(.lk-check, .lk-trail)')].filter(visible).map((el) => {
    const box = el.closest('pre').getBoundingClientRect()
    const rects = [...el.getClientRects()].filter((r) => r.width > 0)
    return {
      kind: el.classList.contains('lk-trail') ? 'trail' : 'check',
      text: el.textContent.trim().slice(0, 30),
      inside: rects.every((r) => r.left >= Math.max(0, box.left) - 1 &&
        r.right <= Math.min(window.innerWidth, box.right) + 1),
    }
  })
  // English words in table cells drawn over two lines (split inside the word).
  const splitWords = []
  for (const cell of document.querySelectorAll('main td, main th')) {
    if (!visible(cell)) continue
    const cells = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT)
    for (let node = cells.nextNode(); node; node = cells.nextNode()) {
      for (const word of node.textContent.matchAll(/[A-Za-z][A-Za-z_]+/g)) {
        range.setStart(node, word.index)
        range.setEnd(node, word.index + word[0].length)
        const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)))
        if (tops.size > 1) splitWords.push(word[0])
      }
    }
  }
  // Display formulas: whether each fits its box (no scrolling), and its width against the text
  // column (the box of the block around it).
  const displayMath = [...document.querySelectorAll('main mjx-container[display="true"]')].filter(visible).map((m) => {
    const column = m.parentElement.getBoundingClientRect()
    const r = m.querySelector('svg').getBoundingClientRect()
    const svg = m.querySelector('svg')
    const [maxWidth, minWidth] = [svg.style.maxWidth, svg.style.minWidth]
    svg.style.maxWidth = 'none'
    svg.style.minWidth = '0'
    const natural = svg.getBoundingClientRect().width
    svg.style.maxWidth = maxWidth
    svg.style.minWidth = minWidth
    return {
      fits: m.scrollWidth <= m.clientWidth + 1,
      drawn: r.width,
      natural,
      lines: m.hasAttribute('data-lk-narrow'),
      within: r.left >= column.left - 0.5 && r.right <= column.right + 0.5,
    }
  })
  // Code boxes (not outputs): whether any scrolls sideways, and the text a reader copies from
  // each (the whole box selected) against the code's own text.
  const codeBoxes = [...document.querySelectorAll('main pre > code')].filter(visible).map((el) => {
    const pre = el.parentElement
    const selection = window.getSelection()
    selection.removeAllRanges()
    const all = document.createRange()
    all.selectNodeContents(el)
    selection.addRange(all)
    const copied = selection.toString()
    selection.removeAllRanges()
    return { scrolls: pre.scrollWidth > pre.clientWidth + 1, copied, text: el.textContent }
  })
  // Where each code or output line wraps: a break in code (a comment is prose) that is not
  // after a space, `(`, `[`, `{` or `,`, nor between a closing bracket and a `.`, splits a
  // token (`1e-`/`3`, `v.gr`/`ad`, `torch.`/`float64`); `wrapped`: each wrapped line as it is
  // drawn, line by line; `hangs`: how far a wrapped line's continuation starts right of the
  // line's own start, in ch.
  const tokenBreaks = []
  const wrapped = []
  const hangs = []
  let wraps = 0
  for (const ln of document.querySelectorAll('main pre .lk-ln')) {
    if (!visible(ln)) continue
    const chars = []
    const walker = document.createTreeWalker(ln, NodeFilter.SHOW_TEXT)
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      for (let i = 0; i < n.textContent.length; i++) {
        range.setStart(n, i)
        range.setEnd(n, i + 1)
        const r = [...range.getClientRects()].find((x) => x.width > 0)
        chars.push({ c: n.textContent[i], r, prose: !!n.parentElement.closest('.hljs-comment') })
      }
    }
    const ch = parseFloat(getComputedStyle(ln).fontSize) * 0.6 * (ln.currentCSSZoom ?? 1)
    let top = null
    let start = null
    let cont = null
    const drawn = ['']
    for (let i = 0; i < chars.length; i++) {
      const { c, r } = chars[i]
      if (r && c.trim() && start === null) start = r.left
      if (r && c.trim() && top !== null && r.top > top + 3) {
        wraps++
        drawn.push('')
        const before = chars[i - 1].c
        const method = ')]'.includes(before) && c === '.'
        if (!(/\s/.test(before) || '([{,'.includes(before) || method || chars[i - 1].prose || chars[i].prose)) {
          tokenBreaks.push(`${ln.textContent.trim().slice(0, 40)}: ${before}|${c}`)
        }
        cont = cont === null ? r.left : Math.min(cont, r.left)
      }
      if (r && c.trim()) top = r.top
      drawn[drawn.length - 1] += c
    }
    if (cont !== null) hangs.push(Math.round((cont - start) / ch))
    if (drawn.length > 1) {
      wrapped.push({ line: ln.textContent.trim(), output: !!ln.closest('pre.lk-output'), drawn: drawn.map((d) => d.trim()) })
    }
  }
  const codeSizes = [...new Set([...document.querySelectorAll('main pre')].filter(visible)
    .map((el) => Math.round(px(el, 'fontSize') * (el.currentCSSZoom ?? 1) * 10) / 10))]
  const tocMarkers = [...new Set([...document.querySelectorAll('.lk-toc-sections li li')]
    .map((li) => getComputedStyle(li).listStyleType))]
  // The section tag's copy in a title bar: shown, inside the bar, on the title's first line,
  // and whether the tag's own element under the bar is shown too.
  const chips = [...document.querySelectorAll('main section.lk-slide > header .lk-chip')].map((chip) => {
    const bar = chip.parentElement.getBoundingClientRect()
    const c = chip.getBoundingClientRect()
    range.selectNodeContents(chip.parentElement.firstChild)
    const first = [...range.getClientRects()].find((r) => r.width > 0)
    const tag = chip.closest('section').querySelector(':scope > .section')
    return {
      shown: visible(chip),
      inBar: visible(chip) && c.top >= bar.top && c.bottom <= bar.bottom,
      sameLine: visible(chip) && !!first && c.top < first.bottom && c.bottom > first.top,
      tagShown: !!tag && visible(tag),
    }
  })
  // Output boxes and tables: whether each scrolls sideways (wider than its box).
  const outputs = [...document.querySelectorAll('main pre.lk-output')].filter(visible).map((el) => ({
    text: el.textContent.slice(0, 30), scrolls: el.scrollWidth > el.clientWidth + 1,
  }))
  const tables = [...document.querySelectorAll('main table')].filter(visible).map((el) => ({
    head: el.querySelector('th')?.textContent.trim() || el.querySelector('tr').textContent.trim(),
    scrolls: el.scrollWidth > el.clientWidth + 1,
  }))
  const toc = [...document.querySelectorAll('.lk-toc-sections > li')].map((li) =>
    li.querySelector('summary > a, :scope > a')?.textContent.trim())
  return {
    sideways: document.scrollingElement.scrollWidth - window.innerWidth,
    bodyFont: px(document.body, 'fontSize'),
    prose: smallest('main p, main li, main td, main th, aside.lk-notes p, .lk-toc a'),
    code: smallest('main pre, main pre code, main pre span'),
    wordBreak: getComputedStyle(document.querySelector('main p')).wordBreak,
    lineBreak: getComputedStyle(document.querySelector('main p')).lineBreak,
    lang: document.documentElement.lang,
    boxes,
    lineStarts,
    headerMath,
    fixed: fixed.map((el) => [...el.children].filter(visible).map((c) => c.textContent.trim()).join(' ')),
    bars,
    tokenBreaks,
    wrapped,
    outputs,
    tables,
    wraps,
    hangs,
    codeSizes,
    tocMarkers,
    covering,
    inColumn,
    cutOff,
    figures,
    toc,
    checks,
    splitWords,
    displayMath,
    codeBoxes,
    chips,
    backLinks: document.querySelectorAll('main .lk-back a[href="#toc"]').length,
  }
}

// Mean brightness of a strip at the right (or left) inner edge of the element, text hidden.
async function strip (page, selector, side, scroll) {
  const clip = await page.evaluate((selector, side, scroll) => {
    const el = document.querySelector(selector)
    el.scrollIntoView({ block: 'center' })
    el.scrollLeft = scroll === 'end' ? el.scrollWidth : 0
    const r = el.getBoundingClientRect()
    const s = getComputedStyle(el)
    const left = side === 'right'
      ? r.right - parseFloat(s.borderRightWidth) - 8 : r.left + parseFloat(s.borderLeftWidth) + 1
    return { x: left + window.scrollX, y: r.top + window.scrollY + r.height / 2 - 4, width: 7, height: 8 }
  }, selector, side, scroll)
  const data = await page.screenshot({ clip, encoding: 'base64' })
  return page.evaluate(async (data) => {
    const img = new Image()
    img.src = `data:image/png;base64,${data}`
    await img.decode()
    const canvas = new OffscreenCanvas(img.width, img.height)
    const ctx = canvas.getContext('2d')
    ctx.drawImage(img, 0, 0)
    const pixels = ctx.getImageData(0, 0, img.width, img.height).data
    let sum = 0
    for (let i = 0; i < pixels.length; i += 4) sum += (pixels[i] + pixels[i + 1] + pixels[i + 2]) / 3
    return sum / (pixels.length / 4)
  }, data)
}

try {
  const page = await browser.newPage()
  await page.goto(pathToFileURL(resolve(file)).href, { waitUntil: 'load', timeout: 60000 })
  await page.evaluate(() => { for (const d of document.querySelectorAll('details')) d.open = true })
  const facts = {}
  const settle = () => page.evaluate(() => new Promise((done) =>
    requestAnimationFrame(() => requestAnimationFrame(done))))
  // Each width at rest at the top of the page, then scrolled to its end (what the fixed
  // elements show and cover there).
  for (const width of widths) {
    await page.setViewport({ width, height: 800 })
    await page.evaluate(() => window.scrollTo(0, 0))
    await settle()
    facts[width] = await page.evaluate(measure)
    await page.evaluate(() => window.scrollTo(0, document.scrollingElement.scrollHeight))
    await settle()
    const { fixed, covering, inColumn, bars } = await page.evaluate(measure)
    facts[width].atEnd = { fixed, covering, inColumn, bars }
    // Half-way down (the way back is shown there too), what it covers at that point.
    await page.evaluate(() => window.scrollTo(0, document.scrollingElement.scrollHeight / 2 - 400))
    await settle()
    const middle = await page.evaluate(measure)
    facts[width].midway = { fixed: middle.fixed, covering: middle.covering, bars: middle.bars }
    // A jump to a slide (the contents' links): where the slide's top lands.
    await page.evaluate(() => { location.hash = '#slide-6' })
    await settle()
    facts[width].jump = await page.evaluate(() =>
      document.getElementById('slide-6').getBoundingClientRect().top)
    await page.evaluate(() => { history.replaceState(null, '', location.pathname) })
    await page.evaluate(() => window.scrollTo(0, 0))
  }
  // Each figure opened (its box the link's target) at a phone's width, a small tablet's (phone
  // rules up to 760 px) and a desktop's: how wide it is drawn against the screen, whether its
  // box scrolls sideways, and whether the line saying so is shown, inside the screen.
  const opened = {}
  for (const width of [390, 700, 1280]) {
    await page.setViewport({ width, height: 800 })
    opened[width] = []
    for (const id of await page.evaluate(() =>
      [...document.querySelectorAll('main .lk-fig:not(.lk-fig-narrow) .lk-fig-box')].map((box) => box.id))) {
      await page.evaluate((id) => { location.hash = `#${id}` }, id)
      await settle()
      opened[width].push(await page.evaluate((id) => {
        const box = document.getElementById(id)
        const img = box.querySelector('img')
        const cue = box.querySelector('.lk-fig-sideways')
        const c = cue?.getBoundingClientRect() ?? { width: 0, height: 0 }
        const close = box.querySelector('.lk-fig-close').getBoundingClientRect()
        return {
          alt: img.alt,
          width: img.getBoundingClientRect().width,
          screen: window.innerWidth,
          scrolls: box.scrollWidth > box.clientWidth + 1,
          cue: c.width > 20 && c.height > 10 && c.left >= 0 && c.right <= window.innerWidth
            ? cue.textContent.trim() : '',
          cueClear: c.width === 0 || c.bottom <= close.top || c.top >= close.bottom ||
            c.right <= close.left || c.left >= close.right,
        }
      }, id))
    }
    await page.evaluate(() => { history.replaceState(null, '', location.pathname) })
  }
  // A folded answer (`<details>`) reached from the contents at 390 px, the page loaded afresh
  // (every answer closed): the reader opens the section's entry in the contents and follows
  // the answer's link; whether the answer is open then and its slide in view.
  await page.setViewport({ width: 390, height: 800 })
  await page.goto(pathToFileURL(resolve(file)).href, { waitUntil: 'load', timeout: 60000 })
  const closedBefore = await page.evaluate(() =>
    [...document.querySelectorAll('main details.lk-fold')].every((d) => !d.open))
  const link = await page.evaluate(() => {
    const a = [...document.querySelectorAll('.lk-toc a')].find((el) => el.textContent.includes('解答'))
    a.closest('details').open = true
    a.setAttribute('data-lk-follow', '')
    return a.textContent.trim()
  })
  await page.click('[data-lk-follow]')
  await settle()
  const fold = await page.evaluate((closedBefore, link) => {
    const details = document.querySelector('main details.lk-fold')
    const slide = details.querySelector('section')
    const r = slide.getBoundingClientRect()
    return {
      link, closedBefore, open: details.open, target: location.hash === `#${slide.id}`,
      scrolled: window.scrollY > 0, inView: r.height > 0 && r.top >= 0 && r.top < window.innerHeight,
    }
  }, closedBefore, link)
  await page.evaluate(() => { for (const d of document.querySelectorAll('details')) d.open = true })
  // The cue as drawn at 390 px: the first wide code box and the first wide formula, text hidden.
  await page.setViewport({ width: 390, height: 800 })
  await page.addStyleTag({ content: 'pre, pre * { color: transparent !important; } mjx-container svg { visibility: hidden !important; }' })
  const drawn = {}
  for (const [name, selector] of [['code', 'main pre'], ['output', 'main pre.lk-output'],
    ['math', 'main mjx-container[display="true"]']]) {
    const found = await page.evaluate((selector) => {
      const wide = [...document.querySelectorAll(selector)].find((el) => el.scrollWidth > el.clientWidth + 1)
      if (!wide) return false
      wide.setAttribute('data-lk-probe', '')
      return true
    }, selector)
    if (!found) continue
    const probe = '[data-lk-probe]'
    drawn[name] = {
      rightAtStart: await strip(page, probe, 'right', 'start'),
      rightAtEnd: await strip(page, probe, 'right', 'end'),
      leftAtStart: await strip(page, probe, 'left', 'start'),
      leftAtEnd: await strip(page, probe, 'left', 'end'),
    }
    await page.evaluate(() => document.querySelector('[data-lk-probe]').removeAttribute('data-lk-probe'))
  }
  process.stdout.write(JSON.stringify({ widths: facts, drawn, opened, fold }))
} finally {
  await browser.close()
}
