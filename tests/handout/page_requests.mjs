// Open a local HTML page in headless Chromium with request interception and
// print, as JSON, every request that left the machine (blocked) or failed,
// with how many formulas the page shows as SVG.
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
  process.stdout.write(JSON.stringify({ network, failed, ...facts }))
} finally {
  await browser.close()
}
