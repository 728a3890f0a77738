// This repository's marp-cli configuration: the engine's settings shipped in
// the package, with this lecture's themes and language.  lecturekit reads
// `themeSet` and `lang` from here (lecturekit/project.py); bare marp-cli runs
// (the benchmarks' baselines: scripts/bench/) use the whole file.
import { fileURLToPath } from 'node:url'
import engine from './lecturekit/render/engine/marp.config.mjs'

const here = (path) => fileURLToPath(new URL(path, import.meta.url))

export default {
  ...engine,
  themeSet: [here('./themes/')],
  lang: 'ja',
}
