// A markdown-it plugin that stamps each block element with the deck line it
// comes from (`data-src-line`, 1-based), so the build's layout checks can name
// the line that overflows (the long list, the table, the fence) instead of the
// slide's first line.  Marpit's own tokens (sections, headers, footers) and
// inline tokens are left alone; the attribute is invisible on screen and in print.
export function sourceLines(md) {
  md.core.ruler.push('lecturekit_source_lines', (state) => {
    for (const token of state.tokens) {
      if (!token.block || !token.map || token.nesting === -1) continue
      if (token.type.startsWith('marpit_') || token.type === 'inline') continue
      if (token.type === 'html_block' || token.type === 'front_matter') continue
      token.attrSet('data-src-line', String(token.map[0] + 1))
    }
  })
}
