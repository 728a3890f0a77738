"""The error plot's guide lines lie on the measurement they explain.

fd-error.svg draws the measured forward-difference error of x² at x = 2 and two
guide lines, C·h (truncation) and C·ε/h (rounding).  Their constants are fitted
to the measurement; here the drawn lines are read back from the figure and
compared with the error computed afresh, and with the theory (for x² the
truncation error is exactly h: C = f''(x)/2 = 1).
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from lecture_figures import fd_error
from lecture_figures.style import RC_PARAMS


@pytest.fixture(scope="module")
def guides() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    with matplotlib.rc_context(RC_PARAMS):
        figure = fd_error.draw()
    [ax] = figure.axes
    return {line.get_label().split(" ")[0]: (np.asarray(line.get_xdata(), float),
                                             np.asarray(line.get_ydata(), float))
            for line in ax.get_lines() if "誤差" in line.get_label()}


def test_truncation_guide_lies_on_the_measured_error(guides) -> None:
    h, drawn = guides["打ち切り誤差"]
    at = h[-1]  # the right end, where truncation alone decides
    measured = fd_error.forward_difference_error(np.array([at]))[0]
    assert drawn[-1] == pytest.approx(measured, rel=0.02)
    assert drawn[-1] / at == pytest.approx(1.0, rel=1e-6)  # f''(2)/2 for f = x²


def test_rounding_guide_runs_through_the_rounding_noise(guides) -> None:
    h, drawn = guides["丸め誤差"]
    grid = np.logspace(-16, -10, 121)
    measured = fd_error.forward_difference_error(grid)
    line = np.interp(np.log10(grid), np.log10(h), np.log10(drawn))
    seen = measured > 0
    above = np.mean(np.log10(measured[seen]) > line[seen])
    assert 0.3 < above < 0.7  # as many points above the line as below
    constant = drawn[0] * h[0] / fd_error.EPS
    assert 0.5 < constant < 8  # rounding error is a few ε·|f(x)|/h, f(2) = 4
