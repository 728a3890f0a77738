"""Inline TeX in titles, as text a PDF outline or a terminal can show.

Marp typesets `$…$` with MathJax, so a title such as
`自作AD を試す：$\\partial z/\\partial u$` has no text for its math in the
rendered page.  Bookmarks, reports and annotations need words, not TeX
source: the common symbols become their Unicode characters, `\\frac{a}{b}`
becomes `a/b`, simple sub- and superscripts become Unicode digits, and what
is left of the markup (braces, spacing commands) is dropped.
"""

from __future__ import annotations

import re

INLINE_MATH = re.compile(r"(?<![\\$])\$(?=[^\s$])((?:\\.|[^$\\])*?)(?<=[^\s\\])\$(?!\d)")
"""marp-core's inline math: `$` then no space, up to a `$` after no space and before no digit."""

_SYMBOLS = {
    "partial": "∂", "nabla": "∇", "cdot": "·", "times": "×", "div": "÷", "pm": "±",
    "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠", "approx": "≈",
    "to": "→", "rightarrow": "→", "leftarrow": "←", "mapsto": "↦", "infty": "∞",
    "sum": "Σ", "prod": "Π", "int": "∫", "sqrt": "√", "in": "∈", "ldots": "…",
    "cdots": "⋯", "dots": "…", "top": "⊤", "circ": "∘",
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "lambda": "λ", "mu": "μ", "pi": "π", "rho": "ρ",
    "sigma": "σ", "tau": "τ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ",
    "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Sigma": "Σ",
    "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
_SUPER = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
_SUB = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
_FRAC = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_WRAPPER = re.compile(r"\\(?:mathrm|mathbf|mathit|mathsf|mathtt|text|textrm|operatorname|"
                      r"boldsymbol|bm)\s*\{([^{}]*)\}")
_SCRIPT = re.compile(r"([\^_])(?:\{([^{}]*)\}|(\w))")
_COMMAND = re.compile(r"\\([A-Za-z]+)\s?")


def tex_to_text(tex: str) -> str:
    """A readable plain-text form of one inline TeX formula."""
    text = tex
    for _ in range(4):  # nested \frac / \mathrm, a few levels deep
        text = _WRAPPER.sub(r"\1", _FRAC.sub(r"\1/\2", text))
    text = _SCRIPT.sub(_script, text)
    text = _COMMAND.sub(lambda m: _SYMBOLS.get(m.group(1), ""), text)
    text = re.sub(r"\\[,;:! ]", " ", text).replace("\\{", "{").replace("\\}", "}")
    text = text.replace("{", "").replace("}", "")
    return re.sub(r"\s+", " ", text).strip()


def _script(match: re.Match[str]) -> str:
    body = match.group(2) if match.group(2) is not None else match.group(3)
    table = _SUPER if match.group(1) == "^" else _SUB
    converted = body.translate(table)
    if all(ch != orig or not orig.strip() for ch, orig in zip(converted, body, strict=True)):
        return converted
    return ("^" if match.group(1) == "^" else "_") + body
