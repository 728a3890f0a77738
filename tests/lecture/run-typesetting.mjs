// Run the typesetting check (lecturekit/render/engine/typesetting.mjs) on
// rendered Marp HTML files, standalone, and print the findings as JSON.
//
//   node tests/lecture/run-typesetting.mjs deck.html [more.html ...] [--options '{"minTextPx": 20}']
//
// Output: [{file, slides, findings: [{slide, what, text, detail}], images: [{slide, src, width}]}]
// The build calls the same function from its own page; this runner exists so
// the check can be tried and tested without the build.
import puppeteer from 'puppeteer-core'
import { pathToFileURL } from 'node:url'
import { resolve } from 'node:path'
import { typesetting } from '../../lecturekit/render/engine/typesetting.mjs'

const CHROME_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync',
  '--disable-dev-shm-usage',
]

// Runs in the page: fonts, images, then two quiet frames for Marp's auto-scaling.
async function settle() {
  await document.fonts.ready
  await Promise.all([...document.images].map((img) => img.decode().catch(() => null)))
  const frame = () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))
  for (let i = 0; i < 4; i += 1) await frame()
}

async function check(browser, file, options) {
  const page = await browser.newPage()
  await page.setViewport({ width: 1280, height: 720 })
  await page.setRequestInterception(true)
  page.on('request', (request) => (/^(file|data|blob|about):/i.test(request.url())
    ? request.continue() : request.abort('blockedbyclient')))
  await page.goto(pathToFileURL(resolve(file)).href, { waitUntil: 'load', timeout: 60000 })
  // The bespoke template hides inactive slides; lay them all out, as the PDF does.
  await page.addStyleTag({ content: 'svg[data-marpit-svg] { content-visibility: visible !important; }' })
  await page.evaluate(settle)
  const findings = await page.evaluate(typesetting, options)
  const { slides, images } = await page.evaluate(shownImages)
  const dots = await page.evaluate(dotGaps)
  const blocks = await page.evaluate(blockLooks)
  await page.close()
  return { file, slides, findings, images, dots, ...blocks }
}

// Runs in the page: the slide count, and every <img> with the width it is
// shown at on its 1280x720 slide (for the figure-text size test).
function shownImages() {
  const sections = [...document.querySelectorAll('svg[data-marpit-svg] > foreignObject > section')]
    .filter((s) => !['background', 'pseudo'].includes(s.getAttribute('data-marpit-advanced-background')))
  const images = sections.flatMap((section, index) => {
    const scale = section.getBoundingClientRect().width / section.offsetWidth || 1
    return [...section.querySelectorAll('img')].map((img) => ({
      slide: index + 1,
      src: decodeURI(img.getAttribute('src') ?? ''),
      width: img.getBoundingClientRect().width / scale,
    }))
  })
  return { slides: sections.length, images }
}

// Runs in the page: for each 傍点 phrase (.dot-text), the gap in em between
// the bottom of its row of dots (the ::before box) and the top of the ink of
// its first character (canvas text metrics in the element's own font).
function dotGaps() {
  const context = document.createElement('canvas').getContext('2d')
  return [...document.querySelectorAll('section .dot-text')].map((el) => {
    const css = getComputedStyle(el)
    const before = getComputedStyle(el, '::before')
    const size = parseFloat(css.fontSize)
    context.font = `${css.fontWeight} ${css.fontSize} ${css.fontFamily}`
    const metrics = context.measureText(el.textContent.trim()[0])
    // The ::before box is placed from the top of the content area, which lies
    // fontBoundingBoxAscent above the baseline.
    const inkTop = metrics.fontBoundingBoxAscent - metrics.actualBoundingBoxAscent
    const dotsBottom = parseFloat(before.top) + parseFloat(before.height)
    return { text: el.textContent.trim(), gapEm: (inkTop - dotsBottom) / size }
  })
}

// Runs in the page: what the theme review looks at per slide: each code
// block's font size (px on the 1280x720 slide), each marked phrase's code
// (its background), each footnote's distance from the slide's bottom edge,
// and the label each output box carries (its ::before content).
function blockLooks() {
  const sections = [...document.querySelectorAll('svg[data-marpit-svg] > foreignObject > section')]
    .filter((s) => !['background', 'pseudo'].includes(s.getAttribute('data-marpit-advanced-background')))
  const codeSizes = []
  const markedCode = []
  const cites = []
  const outputs = []
  sections.forEach((section, index) => {
    const slide = index + 1
    const scale = section.getBoundingClientRect().width / section.offsetWidth || 1
    for (const pre of section.querySelectorAll('pre, marp-pre')) {
      codeSizes.push({ slide, px: parseFloat(getComputedStyle(pre).fontSize) })
    }
    for (const code of section.querySelectorAll('.lined code')) {
      markedCode.push({ slide, text: code.textContent, background: getComputedStyle(code).backgroundColor })
    }
    for (const cite of section.querySelectorAll(':scope > .cite')) {
      const gap = (section.getBoundingClientRect().bottom - cite.getBoundingClientRect().bottom) / scale
      cites.push({ slide, gap })
    }
    for (const pre of section.querySelectorAll('.output :is(pre, marp-pre)')) {
      outputs.push({ slide, label: getComputedStyle(pre, '::before').content })
    }
  })
  return { codeSizes, markedCode, cites, outputs }
}

async function main(argv) {
  const files = []
  let options = {}
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--options') options = JSON.parse(argv[++i])
    else files.push(argv[i])
  }
  if (files.length === 0) {
    process.stderr.write("usage: node tests/lecture/run-typesetting.mjs deck.html ... [--options '{...}']\n")
    process.exit(2)
  }
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    headless: true,
    args: CHROME_ARGS,
  })
  try {
    const results = []
    for (const file of files) results.push(await check(browser, file, options))
    process.stdout.write(JSON.stringify(results) + '\n')
  } finally {
    await browser.close()
  }
}

await main(process.argv.slice(2))
