// marp-cli's HTML conversion, run in a worker thread of the render engine
// (render.mjs).  Converting a deck keeps JavaScript busy for about a second
// (markdown-it, MathJax); off the main thread, that second overlaps with
// Chromium's launch and the setup of the page that will load the result,
// which the main thread drives meanwhile.
//
// workerData: the marp-cli argv.  Posts {code} or {error}.
import { parentPort, workerData } from 'node:worker_threads'
import { load } from './packages.mjs'

try {
  const { marpCli } = await load('@marp-team/marp-cli')
  parentPort.postMessage({ code: await marpCli(workerData) })
} catch (error) {
  parentPort.postMessage({ error: String(error?.message ?? error).split('\n')[0] })
}
