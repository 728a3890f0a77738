// One confined Chromium page on a rendered deck, shared by the build
// (render.mjs) and the stand-alone check of a published deck
// (scripts/check-html.mjs).
//
// Confinement: request interception is on for the page's whole life, checks
// AND print.  Only file:// URLs inside one folder (the stage, or the folder of
// a published deck) and data:, blob:, about: load; anything else is aborted
// and recorded with the phase it happened in.  Inside that folder, hidden
// files (`.job.json`, `.lock`, `.engine.log`, Chromium's `.chromium/`
// profile: the stage's own, holding absolute paths and pids) are refused as
// `private`.  What interception does not see is watched over the DevTools
// protocol and recorded the same way: a WebSocket (`websocket`), a window the
// deck opens (`popup`: window.open, target=_blank; the new page is closed at
// once), and the page leaving the deck (`navigation`: meta refresh,
// location=; aborted, so the deck stays loaded and is still checked and
// printed).  Behind all that, Chromium's proxy points at a closed port for
// every host (loopback included).
import { realpathSync, statSync } from 'node:fs'
import { basename, dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { countSlides, locateUrls, measureSlides, settle } from './checks.mjs'
import { load } from './packages.mjs'

const { default: puppeteer } = await load('puppeteer-core')

export const FRAME = { width: 1280, height: 720 }
const TOLERANCE_PX = 2
const MIN_SCALE = 0.7 // Marp shrinks wide code and math to fit; below this it is unreadable
const CHROME_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync',
  '--disable-dev-shm-usage', '--disable-extensions', '--mute-audio',
  '--proxy-server=http://127.0.0.1:9', '--proxy-bypass-list=<-loopback>',
  '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
]

// Decide one request: the file it names inside `rootReal`, or why it may not load.
export function classify(url, rootReal) {
  if (/^(data|blob|about):/i.test(url)) return { allow: true }
  if (!/^file:/i.test(url)) return { allow: false, kind: 'network' }
  let path
  try {
    path = fileURLToPath(url.split(/[?#]/)[0])
  } catch {
    return { allow: false, kind: 'file', path: url }
  }
  let real = resolve(path)
  let exists = false
  let folder = false
  try {
    real = realpathSync(path)
    exists = true
    folder = statSync(real).isDirectory()
  } catch {
    real = realOfMissing(path) // missing: judged by where its nearest existing folder really is
  }
  if (real !== rootReal && !real.startsWith(rootReal + sep)) {
    return { allow: false, kind: 'file', path: real }
  }
  const inside = relative(rootReal, real).split(sep).join('/')
  // Named by its place in the folder, never by an absolute path.
  if (inside.split('/').some((part) => part.startsWith('.'))) return { allow: false, kind: 'private', path: inside }
  return { allow: true, inside, exists, folder }
}

// The real path a missing file would have: its nearest existing ancestor resolved (the
// page is opened through a link, render.py), the rest appended as named.
function realOfMissing(path) {
  const rest = []
  let head = resolve(path)
  for (;;) {
    try {
      return join(realpathSync(head), ...rest.reverse())
    } catch { /* not there either: one folder up */ }
    const parent = dirname(head)
    if (parent === head) return resolve(path)
    rest.push(basename(head))
    head = parent
  }
}

// How a refused request is named in the report: a file inside the folder by
// its relative path, one outside by its real path, anything else by its URL.
const shown = (url, verdict) => verdict.inside ?? (verdict.kind === 'file' || verdict.kind === 'private' ? verdict.path : url)

// `profile`: Chromium's user-data folder (inside the stage, so no temp file
// lands elsewhere); `onPid` learns Chromium's pid (its own process group) so
// the Python side can kill it with the build.
export async function launchBrowser({ chrome, profile, onPid, protocolTimeout = 600000 }) {
  const browser = await puppeteer.launch({
    executablePath: chrome,
    headless: true,
    pipe: true, // Chromium exits when its pipe to this process closes
    args: CHROME_ARGS,
    userDataDir: profile,
    timeout: 120000, // the machine may be busy: a slow start is not a failure
    protocolTimeout,
  })
  onPid?.(browser.process()?.pid ?? null)
  browser.on('targetcreated', async (target) => {
    if (target.type() !== 'page' || !target.opener()) return
    const popup = await target.page().catch(() => null)
    await popup?.close().catch(() => null)
  })
  return browser
}

// Open `html` in a new page confined to `root`.  Returns the page and the
// live lists of what was blocked / missing; `confined.phase` labels new entries.
export async function openDeck(browser, html, root) {
  const opened = await confinedPage(browser, root)
  await loadDeck(opened.page, html, opened.confined)
  return opened
}

// A new page, sized to a slide, whose every request is judged against `root`
// (see classify); nothing loaded yet.
export async function confinedPage(browser, root) {
  const rootReal = realpathSync(root)
  const confined = {
    phase: 'check', blocked: [], missing: new Map(), lastRequest: Date.now(),
    deckUrl: null, loaded: false,
  }
  const page = await browser.newPage()
  page.on('dialog', (dialog) => dialog.dismiss().catch(() => null))
  await page.setViewport(FRAME)
  const record = (entry) => {
    confined.lastRequest = Date.now()
    confined.blocked.push({ frame: 'page', ...entry, phase: confined.phase })
  }
  // What request interception never sees: sockets and new windows.
  const cdp = await page.createCDPSession()
  await cdp.send('Network.enable')
  await cdp.send('Page.enable')
  cdp.on('Network.webSocketCreated', ({ url }) => record({ url, kind: 'websocket' }))
  cdp.on('Page.windowOpen', ({ url }) => record({ url: shown(url, classify(url, rootReal)), kind: 'popup' }))
  page.on('popup', (popup) => popup?.close().catch(() => null))
  // A navigation interception cannot stop (to about:blank): at least reported.
  page.on('framenavigated', (frame) => {
    const url = frame.url()
    if (frame !== page.mainFrame() || !confined.deckUrl || url.split(/[?#]/)[0] === confined.deckUrl) return
    const named = shown(url, classify(url, rootReal))
    if (!confined.blocked.some((e) => e.kind === 'navigation' && e.url === named)) record({ url: named, kind: 'navigation' })
  })
  await page.setRequestInterception(true)
  page.on('request', (request) => {
    const url = request.url()
    confined.lastRequest = Date.now()
    const verdict = classify(url, rootReal)
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()
        && (confined.loaded || url !== confined.deckUrl)) {
      // The page may load its deck once; leaving it (meta refresh, location=, a reload)
      // is refused.  'aborted' cancels the navigation without an error page: the deck stays.
      record({ url: shown(url, verdict), kind: 'navigation' })
      return request.abort('aborted').catch(() => null)
    }
    if (verdict.allow) {
      const bad = verdict.inside !== undefined && (!verdict.exists || verdict.folder)
      if (bad && !confined.missing.has(verdict.inside)) {
        confined.missing.set(verdict.inside, {
          url: verdict.inside, error: verdict.folder ? 'a folder' : 'missing', phase: confined.phase,
        })
      }
      return request.continue().catch(() => null)
    }
    record({
      url: shown(url, verdict), kind: verdict.kind,
      frame: request.frame() && request.frame() !== page.mainFrame() ? 'iframe' : 'page',
    })
    return request.abort('blockedbyclient').catch(() => null)
  })
  return { page, confined }
}

// Load the rendered deck into a confined page and wait until it has settled.
// `confined` (from confinedPage) learns the deck's URL: the one navigation allowed.
export async function loadDeck(page, html, confined, timeout = 180000) {
  const url = pathToFileURL(resolve(html)).href
  if (confined) confined.deckUrl = url
  await page.goto(url, { waitUntil: 'load', timeout })
  if (confined) confined.loaded = true
  // The bespoke template hides inactive slides with content-visibility, which
  // also stops Marp's auto-scaling there; show them all, as the print does.
  await page.addStyleTag({ content: 'svg[data-marpit-svg] { content-visibility: visible !important; }' })
  await page.evaluate(settle)
}

// The built-in checks on an open deck.
export async function checkDeck(page) {
  const slides = await page.evaluate(measureSlides, TOLERANCE_PX, MIN_SCALE)
  return {
    slides: await page.evaluate(countSlides),
    overflow: slides.filter((s) => s.px > 0),
    shrunk: slides.flatMap((s) => s.shrunk),
  }
}

// Attach {slide, line} to each entry (by the element that uses its URL).
export async function locate(page, entries) {
  if (!entries.length) return
  const where = await page.evaluate(locateUrls, entries.map((e) => e.url))
  entries.forEach((entry, i) => Object.assign(entry, where[i]))
}

// Wait until the page has asked for nothing for `quietMs` (at most `capMs`),
// so requests a print set off are seen before the page closes.
export async function quiet(confined, quietMs = 300, capMs = 3000) {
  const start = Date.now()
  while (Date.now() - start < capMs && Date.now() - confined.lastRequest < quietMs) {
    await new Promise((done) => setTimeout(done, 50))
  }
}

export const profileIn = (folder) => join(folder, '.chromium')
