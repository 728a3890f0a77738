// Open a local HTML page in headless Chromium with request interception and
// print, as JSON, every request that left the machine (blocked) or failed,
// with how many formulas the page shows as SVG and how far it scrolls sideways
// at phone to desktop widths.
//
//   node tests/handout/page_requests.mjs page.html
import puppeteer from 'puppeteer-core'
import { pathToFileURL } from 'node:url'
import { resolve } from 'node:path'

const isLocal = (url) => /^(file|data|blob|about):/i.test(url)

const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-dev-shm-usage'],
})
try {
  const page = await browser.newPage()
  const network = []
  const failed = []
  await page.setRequestInterception(true)
  page.on('request', (request) => {
    const url = request.url()
    if (isLocal(url)) return request.continue()
    network.push(url)
    return request.abort('blockedbyclient')
  })
  page.on('requestfailed', (request) => {
    if (isLocal(request.url())) failed.push(request.url().slice(0, 120))
  })
  await page.goto(pathToFileURL(resolve(process.argv[2])).href, { waitUntil: 'networkidle0', timeout: 60000 })
  const facts = await page.evaluate(() => ({
    math: document.querySelectorAll('mjx-container svg').length,
    scripts: document.querySelectorAll('script').length,
    font: getComputedStyle(document.body).fontFamily,
    brokenImages: [...document.images].filter((img) => !img.complete || img.naturalWidth === 0).length,
  }))
  // How far the page scrolls sideways at a few screen widths (phones to desktop).
  const sideways = {}
  for (const width of [320, 360, 390, 414, 600, 768, 820, 1280]) {
    await page.setViewport({ width, height: 800 })
    sideways[width] = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  }
  // The smallest text a reader meets at 390 px (a phone): prose of the slides and notes, and
  // code, as drawn (CSS zoom included), with every folded answer opened.
  await page.setViewport({ width: 390, height: 800 })
  const phone = await page.evaluate(() => {
    for (const details of document.querySelectorAll('details')) details.open = true
    const drawn = (el) => parseFloat(getComputedStyle(el).fontSize) * (el.currentCSSZoom ?? 1)
    const hasText = (el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())
    const smallest = (selector) => Math.min(...[...document.querySelectorAll(selector)]
      .filter((el) => hasText(el) && el.getClientRects().length).map(drawn))
    return {
      prose: smallest('main p, main li, main td, main th, aside.lk-notes p'),
      code: smallest('main pre, main pre code, main pre span'),
      scrollingCode: [...document.querySelectorAll('main pre:has(> code)')].filter((pre) =>
        pre.scrollWidth > pre.clientWidth && getComputedStyle(pre).overflowX === 'auto').length,
      sideways: document.documentElement.scrollWidth - window.innerWidth,
    }
  })
  process.stdout.write(JSON.stringify({ network, failed, ...facts, sideways, phone }))
} finally {
  await browser.close()
}
