// Open rendered Marp decks in headless Chromium and report, as JSON on stdout,
// what a lecturer would see go wrong: network fetches, files that fail to
// load, and slides whose content overflows the 1280x720 frame.
//
//   node scripts/check-html.mjs deck.html [more.html ...]
//
// Output: [{file, slides, network: [{url, slide}], missing: [{url, error, slide}],
//           overflow: [{slide, px, side, what}], shrunk: [{slide, what, percent}]}]
// (slide: 1-based section index)
import puppeteer from 'puppeteer-core'
import { pathToFileURL } from 'node:url'
import { resolve } from 'node:path'

const FRAME = { width: 1280, height: 720 }
const TOLERANCE_PX = 2
const MIN_SCALE = 0.7  // Marp shrinks wide code and math to fit; below this it is unreadable
const CHROME_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync',
  '--disable-dev-shm-usage',
]

const isLocal = (url) => /^(file|data|blob|about):/i.test(url)

async function checkFile(browser, file) {
  const page = await browser.newPage()
  const network = []
  const missing = []
  await page.setViewport(FRAME)
  await page.setRequestInterception(true)
  page.on('request', (request) => {
    const url = request.url()
    if (isLocal(url)) return request.continue()
    network.push({ url })
    return request.abort('blockedbyclient')
  })
  page.on('requestfailed', (request) => {
    const url = request.url()
    if (url.startsWith('file:')) missing.push({ url, error: request.failure()?.errorText ?? '' })
  })
  await page.goto(pathToFileURL(resolve(file)).href, { waitUntil: 'load', timeout: 60000 })
  // The bespoke template hides inactive slides with content-visibility, which
  // also stops Marp's auto-scaling there; show them all, as the PDF does.
  await page.addStyleTag({ content: 'svg[data-marpit-svg] { content-visibility: visible !important; }' })
  await page.evaluate(settle)
  const slides = await page.evaluate(measureSlides, TOLERANCE_PX, MIN_SCALE)
  for (const entry of [...network, ...missing]) entry.slide = await page.evaluate(slideOfUrl, entry.url)
  await page.close()
  return {
    file,
    slides: slides.length,
    network,
    missing,
    overflow: slides.filter((s) => s.px > 0),
    shrunk: slides.flatMap((s) => s.shrunk),
  }
}

// Runs in the page: wait for fonts, images and Marp's auto-scaling (which
// resizes code and math boxes from a ResizeObserver) to stop changing.
async function settle() {
  await document.fonts.ready
  await Promise.all([...document.images].map((img) => img.decode().catch(() => null)))
  const frame = () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))
  const sizes = () => [...document.querySelectorAll('marp-pre, [data-auto-scaling]')]
    .map((el) => {
      const scaler = el.tagName === 'MARP-AUTO-SCALING' ? el
        : el.shadowRoot?.querySelector('marp-auto-scaling') ?? el.querySelector('marp-auto-scaling')
      const svg = scaler?.shadowRoot?.querySelector('svg')
      return svg ? `${svg.getAttribute('viewBox')}@${svg.getBoundingClientRect().width}` : 'pending'
    }).join('|')
  let last = null
  for (let round = 0; round < 50; round += 1) {
    await frame()
    const now = sizes()
    if (now === last && !now.includes('pending')) return
    last = now
  }
}

// Runs in the page: which slide uses this URL (1-based), or 0 if none does.
function slideOfUrl(url) {
  const name = decodeURI(url).split(/[?#]/)[0].split('/').pop()
  const attrs = ['src', 'href', 'poster', 'data', 'style']
  const uses = (el) => attrs.some((a) => decodeURI(el.getAttribute(a) || '').includes(name))
  const sections = [...document.querySelectorAll('svg[data-marpit-svg] > foreignObject > section')]
  return sections.findIndex((s) => uses(s) || [...s.querySelectorAll('*')].some(uses)) + 1
}

// Runs in the page: the overflow of each slide's content beyond its frame.
//
// In-flow content (every element box and text run, except pinned ones) must
// stay inside the section's content box (frame minus padding) and above any
// pinned `.cite`; pinned elements (header, footer, absolutely positioned
// boxes such as .cite and .section) must stay inside the 1280x720 frame, and
// the header text inside its title bar.  Pseudo elements (pagination, tags)
// belong to the theme and are not measured.
function measureSlides(tolerance, minScale) {
  const sections = [...document.querySelectorAll('svg[data-marpit-svg] > foreignObject > section')]
  return sections.map((section, index) => {
    const frame = section.getBoundingClientRect()
    const scale = frame.width / section.offsetWidth || 1
    const style = getComputedStyle(section)
    const px = (name) => parseFloat(style[name]) * scale
    const content = {
      top: frame.top + px('paddingTop'),
      bottom: frame.bottom - px('paddingBottom'),
      left: frame.left + px('paddingLeft'),
      right: frame.right - px('paddingRight'),
    }
    // A text run's rect is its font's content area, taller than the line box
    // with CJK fonts; cut it to the line box so text at an edge is not "overflow".
    const lineBox = (rect, lineHeight) => {
      const cut = lineHeight > 0 ? Math.max(0, (rect.height - lineHeight) / 2) : 0
      const box = { top: rect.top + cut, bottom: rect.bottom - cut, left: rect.left, right: rect.right }
      return { rect: box, vertical: true }
    }
    // Marp's auto-scaling boxes: their slotted text reports unscaled rects, so
    // the box itself is measured, and its scale checked below.
    const scaled = (el) => el.tagName.startsWith('MARP-') || el.hasAttribute('data-auto-scaling')
    const flow = []
    const groups = []
    const walk = (parent, items) => {
      for (const node of parent.childNodes) {
        if (node.nodeType === Node.TEXT_NODE) {
          if (!node.textContent.trim()) continue
          const range = document.createRange()
          range.selectNodeContents(node)
          const lineHeight = parseFloat(getComputedStyle(parent).lineHeight)
          for (const rect of range.getClientRects()) {
            if (rect.width > 0 && rect.height > 0) items.push(lineBox(rect, lineHeight))
          }
          continue
        }
        if (node.nodeType !== Node.ELEMENT_NODE) continue
        const css = getComputedStyle(node)
        if (css.display === 'none' || css.visibility === 'hidden') continue
        let target = items
        if (items === flow && (css.position === 'absolute' || css.position === 'fixed')) {
          target = []
          groups.push({ node, items: target })
        }
        const rect = node.getBoundingClientRect()
        const replaced = node instanceof SVGElement || node.tagName === 'IMG' || scaled(node)
        const vertical = replaced || css.display !== 'inline'
        if (rect.width > 0 && rect.height > 0) target.push({ rect, vertical })
        if (!replaced && css.overflow !== 'visible') {
          const clipped = css.textOverflow === 'ellipsis' ? 0 : Math.max(node.scrollWidth - node.clientWidth,
                                   node.scrollHeight - node.clientHeight)
          if (clipped > 0) target.push({ clipped, el: node })
        } else if (!replaced) {
          walk(node, target)
        }
      }
    }
    walk(section, flow)

    const worst = { px: 0, side: '', what: '' }
    const note = (amount, side, what) => {
      const rounded = Math.ceil(amount / scale)
      if (rounded > tolerance && rounded > worst.px) Object.assign(worst, { px: rounded, side, what })
    }
    const cite = groups.find((g) => g.node.classList.contains('cite'))
    const floor = cite ? Math.min(content.bottom, cite.node.getBoundingClientRect().top) : content.bottom
    for (const { rect, vertical, clipped, el } of flow) {
      if (clipped) {
        note(clipped, 'clipped', el.tagName.toLowerCase())
        continue
      }
      if (vertical) {
        note(rect.bottom - floor, 'bottom', 'content')
        note(content.top - rect.top, 'top', 'content')
      }
      note(rect.right - content.right, 'right', 'content')
      note(content.left - rect.left, 'left', 'content')
    }
    for (const { node, items } of groups) {
      const what = node.tagName === 'HEADER' ? 'header' : node.className || node.tagName.toLowerCase()
      const box = node.getBoundingClientRect()
      for (const { rect, vertical, clipped } of items) {
        if (clipped) {
          note(clipped, 'clipped', what)
          continue
        }
        note(rect.right - frame.right, 'right', what)
        note(frame.left - rect.left, 'left', what)
        if (node.tagName === 'HEADER') {
          note(rect.bottom - box.bottom, 'bottom', 'header')
          note(box.top - rect.top, 'top', 'header')
          note(rect.right - box.right, 'right', 'header')
        }
        if (!vertical) continue
        note(rect.bottom - frame.bottom, 'bottom', what)
        note(frame.top - rect.top, 'top', what)
      }
    }
    const shrunk = []
    for (const host of section.querySelectorAll('marp-pre, [data-auto-scaling]')) {
      const scaler = host.tagName === 'MARP-AUTO-SCALING' ? host
        : host.shadowRoot?.querySelector('marp-auto-scaling') ?? host.querySelector('marp-auto-scaling')
      const svg = scaler?.shadowRoot?.querySelector('svg')
      const natural = svg?.viewBox?.baseVal?.width
      if (!natural) continue
      const ratio = svg.getBoundingClientRect().width / scale / natural
      if (ratio < minScale) {
        const what = host.tagName === 'MARP-PRE' ? 'code block' : host.tagName.toLowerCase()
        shrunk.push({ slide: index + 1, what, percent: Math.round(ratio * 100) })
      }
    }
    return { slide: index + 1, ...worst, shrunk }
  })
}

async function main(files) {
  if (files.length === 0) {
    process.stderr.write('usage: node scripts/check-html.mjs deck.html [more.html ...]\n')
    process.exit(2)
  }
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    headless: true,
    args: CHROME_ARGS,
  })
  try {
    const results = []
    for (const file of files) results.push(await checkFile(browser, file))
    process.stdout.write(JSON.stringify(results) + '\n')
  } finally {
    await browser.close()
  }
}

await main(process.argv.slice(2))
