// The build's in-page checks, each a self-contained function that runs in the
// rendered deck through `page.evaluate` (so none may use anything from this
// module's scope).  render.mjs runs them one after another on the one page it
// later prints; a new check is one more function here (or a plug-in module
// such as typesetting.mjs, see render.mjs) and one more entry in its report.
//
// "Slides" are Marp's content sections only: a slide with an advanced
// background (`![bg]`) renders extra `background` and `pseudo` sections inside
// the same <svg>, which are neither counted nor measured.

// Wait for fonts, images and Marp's auto-scaling (which resizes code and math
// boxes from a ResizeObserver) to stop changing.
export async function settle() {
  await document.fonts.ready
  await Promise.all([...document.images].map((img) => img.decode().catch(() => null)))
  const frame = () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))
  const sizes = () => [...document.querySelectorAll('marp-pre, [data-auto-scaling]')]
    .map((el) => {
      const scaler = el.tagName === 'MARP-AUTO-SCALING' ? el
        : el.shadowRoot?.querySelector('marp-auto-scaling') ?? el.querySelector('marp-auto-scaling')
      const svg = scaler?.shadowRoot?.querySelector('svg')
      return svg ? `${svg.getAttribute('viewBox')}@${svg.getBoundingClientRect().width}` : 'pending'
    }).join('|')
  let last = null
  for (let round = 0; round < 50; round += 1) {
    await frame()
    const now = sizes()
    if (now === last && !now.includes('pending')) return
    last = now
  }
}

// How many slides the page shows.
export function countSlides() {
  return document.querySelectorAll('svg[data-marpit-svg] > foreignObject > section:not('
    + '[data-marpit-advanced-background="background"], [data-marpit-advanced-background="pseudo"])').length
}

// Which slide (1-based, or 0 for none) uses each of these URLs, and the deck
// line of the element that does, if it has one.  A background image lives in
// the slide's `background` section, so every section of a slide's <svg> is searched.
export function locateUrls(urls) {
  const svgs = [...document.querySelectorAll('svg[data-marpit-svg]')]
  const attrs = ['src', 'href', 'poster', 'data', 'style', 'srcset']
  const decode = (text) => { try { return decodeURI(text) } catch { return text } }
  return urls.map((url) => {
    const name = decode(url).split(/[?#]/)[0].split('/').pop()
    if (!name) return { slide: 0, line: null }
    const uses = (el) => attrs.some((a) => decode(el.getAttribute(a) || '').includes(name))
    const index = svgs.findIndex((svg) => [...svg.querySelectorAll('*')].some(uses))
    if (index < 0) return { slide: 0, line: null }
    const el = [...svgs[index].querySelectorAll('*')].find(uses)
    const line = el.closest('[data-src-line]')?.getAttribute('data-src-line')
    return { slide: index + 1, line: line ? Number(line) : null }
  })
}

// The overflow of each slide's content beyond its frame, and code or math
// that Marp shrank below `minScale`.
//
// In-flow content (every element box and text run, except pinned ones) must
// stay inside the section's content box (frame minus padding) and above any
// pinned `.cite`; pinned elements (header, footer, absolutely positioned
// boxes such as .cite and .section) must stay inside the 1280x720 frame, and
// the header text inside its title bar.  Pseudo elements (pagination, tags)
// belong to the theme and are not measured.  Each finding carries the deck
// line (data-src-line) of the element that sticks out furthest, if it has one.
export function measureSlides(tolerance, minScale) {
  const sections = [...document.querySelectorAll('svg[data-marpit-svg] > foreignObject > section:not('
    + '[data-marpit-advanced-background="background"], [data-marpit-advanced-background="pseudo"])')]
  const lineOf = (el) => {
    const value = el?.closest?.('[data-src-line]')?.getAttribute('data-src-line')
    return value ? Number(value) : null
  }
  return sections.map((section, index) => {
    const frame = section.getBoundingClientRect()
    const scale = frame.width / section.offsetWidth || 1
    const style = getComputedStyle(section)
    const px = (name) => parseFloat(style[name]) * scale
    const content = {
      top: frame.top + px('paddingTop'),
      bottom: frame.bottom - px('paddingBottom'),
      left: frame.left + px('paddingLeft'),
      right: frame.right - px('paddingRight'),
    }
    // A text run's rect is its font's content area, taller than the line box
    // with CJK fonts; cut it to the line box so text at an edge is not "overflow".
    const lineBox = (rect, lineHeight, el) => {
      const cut = lineHeight > 0 ? Math.max(0, (rect.height - lineHeight) / 2) : 0
      const box = { top: rect.top + cut, bottom: rect.bottom - cut, left: rect.left, right: rect.right }
      return { rect: box, vertical: true, el, leaf: true }
    }
    // Marp's auto-scaling boxes: their slotted text reports unscaled rects, so
    // the box itself is measured, and its scale checked below.
    const scaled = (el) => el.tagName.startsWith('MARP-') || el.hasAttribute('data-auto-scaling')
    const flow = []
    const groups = []
    const walk = (parent, items) => {
      for (const node of parent.childNodes) {
        if (node.nodeType === Node.TEXT_NODE) {
          if (!node.textContent.trim()) continue
          const range = document.createRange()
          range.selectNodeContents(node)
          const lineHeight = parseFloat(getComputedStyle(parent).lineHeight)
          for (const rect of range.getClientRects()) {
            if (rect.width > 0 && rect.height > 0) items.push(lineBox(rect, lineHeight, parent))
          }
          continue
        }
        if (node.nodeType !== Node.ELEMENT_NODE) continue
        const css = getComputedStyle(node)
        if (css.display === 'none' || css.visibility === 'hidden') continue
        let target = items
        if (items === flow && (css.position === 'absolute' || css.position === 'fixed')) {
          target = []
          groups.push({ node, items: target })
        }
        const rect = node.getBoundingClientRect()
        const replaced = node instanceof SVGElement || node.tagName === 'IMG' || scaled(node)
        const vertical = replaced || css.display !== 'inline'
        if (rect.width > 0 && rect.height > 0) target.push({ rect, vertical, el: node, leaf: replaced })
        if (!replaced && css.overflow !== 'visible') {
          const clipped = css.textOverflow === 'ellipsis' ? 0 : Math.max(node.scrollWidth - node.clientWidth,
                                   node.scrollHeight - node.clientHeight)
          if (clipped > 0) target.push({ clipped, el: node })
        } else if (!replaced) {
          walk(node, target)
        }
      }
    }
    walk(section, flow)

    // The amount is the worst; the line is where that side's trouble starts:
    // the first element (document order) sticking out on the worst side.
    const worst = { px: 0, side: '', what: '', line: null }
    // Text runs and images name the line; a box (a list, a div) only if nothing inside it does.
    const first = {}
    const firstBox = {}
    const note = (amount, side, what, el, leaf = true) => {
      const rounded = Math.ceil(amount / scale)
      if (rounded <= tolerance) return
      const key = `${side}/${what}`
      const lines = leaf ? first : firstBox
      lines[key] ??= lineOf(el)
      if (rounded > worst.px) Object.assign(worst, { px: rounded, side, what, key })
    }
    const cite = groups.find((g) => g.node.classList.contains('cite'))
    const floor = cite ? Math.min(content.bottom, cite.node.getBoundingClientRect().top) : content.bottom
    for (const { rect, vertical, clipped, el, leaf } of flow) {
      if (clipped) {
        note(clipped, 'clipped', el.tagName.toLowerCase(), el)
        continue
      }
      if (vertical) {
        note(rect.bottom - floor, 'bottom', 'content', el, leaf)
        note(content.top - rect.top, 'top', 'content', el, leaf)
      }
      note(rect.right - content.right, 'right', 'content', el, leaf)
      note(content.left - rect.left, 'left', 'content', el, leaf)
    }
    for (const { node, items } of groups) {
      const what = node.tagName === 'HEADER' ? 'header' : node.className || node.tagName.toLowerCase()
      const box = node.getBoundingClientRect()
      for (const { rect, vertical, clipped, el } of items) {
        if (clipped) {
          note(clipped, 'clipped', what, el)
          continue
        }
        note(rect.right - frame.right, 'right', what, el)
        note(frame.left - rect.left, 'left', what, el)
        if (node.tagName === 'HEADER') {
          note(rect.bottom - box.bottom, 'bottom', 'header', el)
          note(box.top - rect.top, 'top', 'header', el)
          note(rect.right - box.right, 'right', 'header', el)
        }
        if (!vertical) continue
        note(rect.bottom - frame.bottom, 'bottom', what, el)
        note(frame.top - rect.top, 'top', what, el)
      }
    }
    const shrunk = []
    for (const host of section.querySelectorAll('marp-pre, [data-auto-scaling]')) {
      const scaler = host.tagName === 'MARP-AUTO-SCALING' ? host
        : host.shadowRoot?.querySelector('marp-auto-scaling') ?? host.querySelector('marp-auto-scaling')
      const svg = scaler?.shadowRoot?.querySelector('svg')
      const natural = svg?.viewBox?.baseVal?.width
      if (!natural) continue
      const ratio = svg.getBoundingClientRect().width / scale / natural
      if (ratio < minScale) {
        const what = host.tagName === 'MARP-PRE' ? 'code block' : host.tagName.toLowerCase()
        const line = lineOf(host) ?? lineOf(host.querySelector('[data-src-line]'))
        shrunk.push({ slide: index + 1, what, percent: Math.round(ratio * 100), line })
      }
    }
    const line = worst.key ? (first[worst.key] ?? firstBox[worst.key] ?? null) : null
    delete worst.key
    return { slide: index + 1, ...worst, line, shrunk }
  })
}
