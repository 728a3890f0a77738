// Render-side facts about the honwaka theme for tests/build/test_theme_sizes.py:
// computed font sizes of footnotes, tables, code, and where images sit.
//
//   node tests/build/theme_sizes.mjs deck.html
//
// Output: one JSON object per slide: {cite, citeCode, table, tableCode, pre,
// images: [{alt, centreOffset}]} (sizes in px; centreOffset is the image's
// centre minus its section's centre, in px).
import puppeteer from 'puppeteer-core'
import { pathToFileURL } from 'node:url'
import { resolve } from 'node:path'

function measure() {
  const px = (el) => (el ? parseFloat(getComputedStyle(el).fontSize) : null)
  const sections = [...document.querySelectorAll('svg[data-marpit-svg] > foreignObject > section')]
  return sections.map((section) => {
    const box = section.getBoundingClientRect()
    const scale = box.width / section.offsetWidth || 1
    return {
      cite: px(section.querySelector('.cite p')),
      citeCode: px(section.querySelector('.cite code')),
      table: px(section.querySelector('table td')),
      tableCode: px(section.querySelector('table td code')),
      pre: px(section.querySelector('pre, marp-pre')),   // Marp swaps pre for marp-pre
      images: [...section.querySelectorAll('img')].map((img) => {
        const r = img.getBoundingClientRect()
        return { alt: img.getAttribute('alt'),
                 centreOffset: Math.round((r.left + r.width / 2 - box.left - box.width / 2) / scale) }
      }),
    }
  })
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
})
try {
  const page = await browser.newPage()
  await page.setViewport({ width: 1280, height: 720 })
  await page.goto(pathToFileURL(resolve(process.argv[2])).href, { waitUntil: 'load' })
  await page.addStyleTag({ content: 'svg[data-marpit-svg] { content-visibility: visible !important; }' })
  await page.evaluate(async () => { await document.fonts.ready })
  process.stdout.write(JSON.stringify(await page.evaluate(measure)))
} finally {
  await browser.close()
}
