// The engine's own marp-cli settings, shipped with lecturekit: what every
// build and preview uses whatever the project.  The project's own choices
// (themeSet, lang, html, allowLocalFiles from its marp-cli configuration or
// lecturekit settings) are laid over these by a small config file the build
// writes into the stage (lecturekit.render.pipeline.marp_config).
import { sourceLines } from './source-lines.mjs'

export default {
  html: true,
  allowLocalFiles: true,
  lang: 'en',
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
