// The one place the engine finds its Node packages (marp-cli, puppeteer-core,
// pdf-lib).  A bare `import 'pdf-lib'` resolves from the importing file's
// folder, and an installed lecturekit has no node_modules beside it, so the
// engine asks here instead: from LECTUREKIT_NODE_MODULES, which lecturekit
// sets for every engine process (the project's node_modules or the per-user
// cache: lecturekit/render/tools.py), else from this file's folder (a source
// checkout, e.g. scripts/check-html.mjs).
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const folder = process.env.LECTUREKIT_NODE_MODULES
const require = createRequire(folder ? join(folder, '..', 'package.json') : import.meta.url)

// The package's module namespace, as `import(name)` would give it.
export async function load(name) {
  return import(pathToFileURL(require.resolve(name)).href)
}
