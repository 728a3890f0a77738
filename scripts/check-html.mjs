// Check published decks as a reader would open them: each HTML file in a
// Chromium page confined to its own folder (the same page and checks the
// build uses, lecturekit/render/engine/), reporting as JSON on stdout what
// fails to load, what was blocked (network, files outside the folder) and
// the layout findings.
//
//   node scripts/check-html.mjs dist/deck.html [more.html ...]
//
// Output: [{file, slides, blocked: [{url, kind, slide, line}], missing: [{url, error, slide, line}],
//           overflow: [{slide, px, side, what, line}], shrunk: [{slide, what, percent, line}]}]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { checkDeck, launchBrowser, locate, openDeck } from '../lecturekit/render/engine/page.mjs'

const files = process.argv.slice(2)
if (files.length === 0) {
  process.stderr.write('usage: node scripts/check-html.mjs deck.html [more.html ...]\n')
  process.exit(2)
}
const profile = mkdtempSync(join(tmpdir(), 'check-html-'))
const browser = await launchBrowser({ chrome: process.env.CHROME_PATH || '/usr/bin/chromium', profile })
try {
  const results = []
  for (const file of files) {
    const { page, confined } = await openDeck(browser, file, dirname(resolve(file)))
    const report = { file, ...(await checkDeck(page)), blocked: confined.blocked,
                     missing: [...confined.missing.values()] }
    await locate(page, [...report.blocked, ...report.missing])
    await page.close()
    results.push(report)
  }
  process.stdout.write(JSON.stringify(results) + '\n')
} finally {
  await browser.close()
  rmSync(profile, { recursive: true, force: true })
}
