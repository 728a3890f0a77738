// The build's one Node process for one deck: marp-cli's API renders the HTML
// in-process (its bespoke template, so the published deck keeps its keyboard
// navigation), one Chromium page (page.mjs, confined to the stage) loads it
// once, every in-page check runs on that page (checks.mjs, plus plug-in
// modules such as typesetting.mjs), and the same page prints the PDF, whose
// outline is written here with pdf-lib before the file is saved.  The Python
// side (pipeline.py) lints, stages and publishes; it starts this process in
// its own process group and reads its report.
//
//   node lecturekit/render/engine/render.mjs job.json     (stdin held open by the parent)
//
// job.json: {config, markdown, html, pdf, stage, chrome, title,
//            bookmarks: [{page, title, top}], pageChecks: [module path], checkOptions: {}}
// stdout, one JSON object a line: {event: 'browser', pid}, {event: 'html'},
//   {event: 'checked', report}, {event: 'pdf', pages, blocked, missing}, {event: 'error', message}.
//
// Order matters for speed.  The HTML is the longest step before the page can
// load, so its worker thread starts first, before anything is imported here;
// puppeteer is imported and Chromium launched while it runs, and pdf-lib is
// imported while the page loads.
import { readFile, rename, writeFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'


const started = performance.now()
// Each event carries `ms`, the time since the engine started (for benchmarks).
const emit = (event) => process.stdout.write(
  JSON.stringify({ ...event, ms: Math.round(performance.now() - started) }) + '\n')

class EngineError extends Error {}

// The HTML, rendered by marp-cli in a worker thread (marp-html.mjs), so this
// thread stays free to launch Chromium and prepare the page meanwhile.
function renderHtml(job) {
  const html = job.htmlTags === false ? '--no-html' : '--html' // the project's marp-cli `html`
  const argv = ['--config-file', job.config, '--no-stdin', html, job.markdown, '-o', job.html]
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./marp-html.mjs', import.meta.url), { workerData: argv })
    let answered = false
    worker.once('message', ({ code, error }) => {
      answered = true
      if (error !== undefined) reject(new EngineError(`marp-cli could not render the deck: ${error}`))
      else if (code !== 0) reject(new EngineError(`marp-cli could not render the deck (exit ${code})`))
      else resolve()
    })
    worker.once('error', (error) => {
      answered = true
      reject(new EngineError(`marp-cli could not render the deck: ${error.message}`))
    })
    worker.once('exit', (code) => {
      if (!answered) reject(new EngineError(`marp-cli could not render the deck (worker exit ${code})`))
    })
  })
}

// Plug-in page checks: each module exports `typesetting(options)`, run in the
// page, returning [{slide, what, text, detail}] (slide: 1-based content slide),
// and optionally DEFAULT_OPTIONS, which job.checkOptions overrides.
async function runPageChecks(page, job) {
  const found = []
  for (const module of job.pageChecks ?? []) {
    let check
    let defaults
    try {
      ({ typesetting: check, DEFAULT_OPTIONS: defaults } = await import(pathToFileURL(module).href))
    } catch (error) {
      throw new EngineError(`${module} cannot be loaded: ${error.message}`)
    }
    if (typeof check !== 'function') throw new EngineError(`${module} exports no function typesetting(options)`)
    let entries
    try {
      entries = await page.evaluate(check, { ...(defaults ?? {}), ...(job.checkOptions ?? {}) })
    } catch (error) {
      throw new EngineError(`${module}: typesetting() failed in the page: ${error.message.split('\n')[0]}`)
    }
    if (!Array.isArray(entries)) throw new EngineError(`${module}: typesetting() returned no array`)
    for (const entry of entries) {
      // `what` names the kind ('kinsoku' or 'line-start', 'widow', 'contrast', 'small-text', ...)
      if (!Number.isInteger(entry?.slide) || typeof entry?.what !== 'string' || !entry.what) {
        throw new EngineError(`${module}: typesetting() returned a malformed entry ${JSON.stringify(entry)}`)
      }
      found.push({ slide: entry.slide, what: entry.what, text: String(entry.text ?? ''),
                   detail: String(entry.detail ?? '') })
    }
  }
  return found
}

// The deck's bookmarks as the PDF outline: title/section slides on top, the
// others (collapsed) below the last one before them.
async function withOutline(bytes, job, pdfLib) {
  const { PDFDocument, PDFHexString, PDFName, PDFNumber, ParseSpeeds } = await pdfLib
  // Parse and save in one go: pdf-lib otherwise yields to the event loop every
  // 100 objects, which costs more than the work itself here.
  const pdf = await PDFDocument.load(bytes, { parseSpeed: ParseSpeeds.Fastest })
  const pages = pdf.getPageCount()
  pdf.setCreator('lecturekit (marp-cli)')
  pdf.setProducer('lecturekit (marp-cli)')
  if (job.title) pdf.setTitle(job.title)
  const marks = (job.bookmarks ?? []).filter((mark) => mark.page < pages)
  if (marks.length) {
    const { context } = pdf
    const refs = pdf.getPages().map((page) => page.ref)
    const root = context.nextRef()
    const tree = []
    for (const mark of marks) {
      const node = { mark, ref: context.nextRef(), children: [] }
      if (mark.top || tree.length === 0 || !tree[tree.length - 1].mark.top) tree.push(node)
      else tree[tree.length - 1].children.push(node)
    }
    const link = (nodes, parent) => {
      nodes.forEach((node, i) => {
        const entries = {
          Title: PDFHexString.fromText(node.mark.title),
          Parent: parent,
          Dest: context.obj([refs[node.mark.page], PDFName.of('Fit')]),
        }
        if (i > 0) entries.Prev = nodes[i - 1].ref
        if (i < nodes.length - 1) entries.Next = nodes[i + 1].ref
        if (node.children.length) {
          link(node.children, node.ref)
          entries.First = node.children[0].ref
          entries.Last = node.children[node.children.length - 1].ref
          entries.Count = PDFNumber.of(node.children.length) // open, as pypdf wrote it before
        }
        context.assign(node.ref, context.obj(entries))
      })
    }
    link(tree, root)
    context.assign(root, context.obj({
      Type: 'Outlines', First: tree[0].ref, Last: tree[tree.length - 1].ref,
      Count: PDFNumber.of(tree.length),
    }))
    pdf.catalog.set(PDFName.of('Outlines'), root)
    pdf.catalog.set(PDFName.of('PageMode'), PDFName.of('UseOutlines'))
  }
  return { bytes: await pdf.save({ objectsPerTick: Infinity }), pages }
}

async function renderDeck(job, { FRAME, checkDeck, loadDeck, locate, quiet }, { page, confined },
  pdfLib) {
  const limitMs = Math.round((job.timeoutS ?? 600) * 1000)
  // A step that outlives the limit says what it was doing and how to allow more.
  const within = async (step, work) => {
    try {
      return await work()
    } catch (error) {
      if (error?.name !== 'TimeoutError') throw error
      throw new EngineError(`the render did not finish in time: it was ${step}; `
        + (job.limitHint ?? `the limit is ${limitMs / 1000}s`))
    }
  }
  // job.page: the same file through a link that names nothing of the stage (render.py)
  await within('loading the page', () => loadDeck(page, job.page ?? job.html, confined, limitMs))
  const report = {
    ...(await checkDeck(page)),
    typesetting: await runPageChecks(page, job),
    missing: [...confined.missing.values()],
    blocked: [...confined.blocked],
  }
  await locate(page, [...report.missing, ...report.blocked])
  emit({ event: 'checked', report })

  confined.phase = 'print'
  const printed = await within(`printing the PDF of ${report.slides} slides`, () => page.pdf({
    ...FRAME, printBackground: true, preferCSSPageSize: true, timeout: limitMs,
  }))
  confined.lastRequest = Date.now()
  await quiet(confined, 150) // let requests the print set off arrive, and be reported
  const blocked = confined.blocked.slice(report.blocked.length)
  const missing = [...confined.missing.values()].filter((entry) => entry.phase === 'print')
  await locate(page, [...blocked, ...missing])
  await page.close()
  const { bytes, pages } = await withOutline(printed, job, pdfLib)
  const partial = `${job.pdf}.partial`
  await writeFile(partial, bytes)
  await rename(partial, job.pdf)
  emit({ event: 'pdf', pages, blocked, missing })
}

async function main() {
  const job = JSON.parse(await readFile(process.argv[2], 'utf8'))
  // The parent (build-deck.py) holds our stdin open; when it dies, so do we.
  process.stdin.on('end', () => process.exit(3))
  process.stdin.resume()
  const rendering = renderHtml(job)
  rendering.catch(() => null) // awaited below; a failure there is reported, not "unhandled"
  const page = await import('./page.mjs')
  const launching = page.launchBrowser({
    chrome: job.chrome, profile: page.profileIn(job.stage), onPid: (pid) => emit({ event: 'browser', pid }),
    protocolTimeout: Math.max(600000, Math.round((job.timeoutS ?? 600) * 1000)),
  })
  // The page is made ready (confined, sized) while marp-cli renders the HTML.
  const preparing = launching.then((browser) => page.confinedPage(browser, job.stage))
  preparing.catch(() => null)
  try {
    await rendering
  } catch (error) {
    await launching.then((browser) => browser.close(), () => null)
    throw error
  }
  emit({ event: 'html' })
  const pdfLib = import('./packages.mjs').then(({ load }) => load('pdf-lib'))
  pdfLib.catch(() => null) // awaited when the PDF is written
  const browser = await launching
  try {
    await renderDeck(job, page, await preparing, pdfLib)
  } finally {
    await browser.close().catch(() => null)
  }
}

try {
  await main()
  process.exit(0)
} catch (error) {
  const message = error instanceof EngineError ? error.message
    : (error?.message ?? String(error)).split('\n')[0]
  emit({ event: 'error', message })
  process.exit(1)
}
