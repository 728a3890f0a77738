// Test helper: open a preview page in headless Chromium and answer, on stdout, how long a
// failure banner takes to appear on (or vanish from) a slide after each command on stdin.
//
//   node banner_probe.mjs http://127.0.0.1:PORT/deck.html
//   stdin: "appear MS N" | "vanish MS" | "quit"    stdout: one JSON line per command
//   (waits at most MS milliseconds; says how long it took)
import puppeteer from 'puppeteer-core'
import { createInterface } from 'node:readline'

const [url] = process.argv.slice(2)
const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
})
const page = await browser.newPage()
await page.setViewport({ width: 1280, height: 720 })
await page.goto(url, { waitUntil: 'load' })

const banners = () => page.evaluate(() => {
  const sections = [...document.querySelectorAll('svg[data-marpit-svg] > foreignObject > section')]
  return [...document.querySelectorAll('.lecturekit-banner')].map((b) => {
    const r = b.getBoundingClientRect()
    return { slide: sections.indexOf(b.closest('section')) + 1, text: b.textContent,
             visible: r.width > 0 && r.height > 0 && getComputedStyle(b).display !== 'none' }
  })
})

const wait = async (done, ms) => {
  const started = Date.now()
  while (Date.now() - started < ms) {
    try {
      const found = await banners()
      if (done(found)) return { ok: true, ms: Date.now() - started, banners: found }
    } catch (error) {
      // the page is reloading: ask again
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  let found = []
  try { found = await banners() } catch (error) { found = [] }
  return { ok: false, ms: Date.now() - started, banners: found }
}

console.log(JSON.stringify({ ready: true, banners: await banners() }))
for await (const line of createInterface({ input: process.stdin })) {
  const [command, ms, slide] = line.trim().split(/\s+/)
  if (command === 'appear') {
    const on = (b) => b.some((x) => x.slide === Number(slide) && x.visible)
    console.log(JSON.stringify(await wait(on, Number(ms))))
  } else if (command === 'vanish') {
    console.log(JSON.stringify(await wait((b) => b.length === 0, Number(ms))))
  } else if (command === 'quit') {
    break
  }
}
await browser.close()
process.exit(0)
