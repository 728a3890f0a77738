// The one marp-cli configuration: `make slides` (via scripts/build-deck.py) and
// `make preview` both read it, so slides look the same in either.
import { fileURLToPath } from 'node:url'
import { sourceLines } from './lecturekit/render/engine/source-lines.mjs'

const here = (path) => fileURLToPath(new URL(path, import.meta.url))

export default {
  themeSet: [here('./themes/')],
  html: true,
  allowLocalFiles: true,
  lang: 'ja',
  browser: 'chrome',
  browserPath: process.env.CHROME_PATH || '/usr/bin/chromium',
  browserTimeout: 120,
  pdfOutlines: { pages: false, headings: true },
  // Block elements carry their deck line (data-src-line) so layout problems
  // found by the build can name the line that causes them.
  engine: ({ marp }) => marp.use(sourceLines),
  options: {
    math: 'mathjax',
    // Emoji stay text (drawn by Noto Color Emoji); the default swaps them for
    // twemoji images from a CDN, which break offline.
    emoji: { shortcode: true, unicode: false },
  },
}
