// lecturekit preview: reload when the deck is re-rendered, and pin a red banner on every
// slide whose code block fails its check.  Injected by the preview server only; the
// built decks in dist/ never contain it.
(() => {
  const me = document.currentScript
  const deck = me.dataset.deck
  const shown = me.dataset.html
  const sections = () =>
    [...document.querySelectorAll('svg[data-marpit-svg] > foreignObject > section')]
  let last = ''

  const banner = (failures) => {
    const box = document.createElement('div')
    box.className = 'lecturekit-banner'
    box.setAttribute('role', 'alert')
    box.style.cssText = [
      'position:absolute', 'left:24px', 'right:24px', 'top:24px', 'z-index:2147483647',
      'background:#c62828', 'color:#fff', 'padding:12px 18px', 'border-radius:8px',
      'font:bold 22px/1.35 sans-serif', 'box-shadow:0 4px 16px rgba(0,0,0,.35)',
      'white-space:pre-wrap', 'text-align:left', 'max-height:60%', 'overflow:hidden',
    ].join(';')
    box.textContent = failures
      .map((f) => (f.line ? `line ${f.line}: ` : '') + f.message + (f.detail ? `\n${f.detail}` : ''))
      .join('\n')
    return box
  }

  const show = (state) => {
    const key = JSON.stringify(state.failures)
    if (key === last) return
    last = key
    document.querySelectorAll('.lecturekit-banner').forEach((el) => el.remove())
    const all = sections()
    const bySlide = new Map()
    for (const f of state.failures) {
      const index = f.index >= 1 && f.index <= all.length ? f.index : 1
      if (!bySlide.has(index)) bySlide.set(index, [])
      bySlide.get(index).push(f)
    }
    for (const [index, failures] of bySlide) {
      const section = all[index - 1]
      if (section) section.appendChild(banner(failures))
    }
  }

  const poll = async () => {
    try {
      const response = await fetch(`/__preview__/state?deck=${encodeURIComponent(deck)}`,
                                   { cache: 'no-store' })
      const state = await response.json()
      if (String(state.html) !== shown) {
        location.reload()
        return
      }
      show(state)
    } catch (error) {
      // the server is restarting or gone: try again
    }
    setTimeout(poll, 250)
  }
  poll()
})()
