"""One metric's curve for one run, drawn with textual-plotext on the widget's own plt."""

from __future__ import annotations

import math

from textual_plotext import PlotextPlot


class MetricPlot(PlotextPlot):
    """A single chart; `show_points` replaces whatever it showed before."""

    DEFAULT_CSS = """
    MetricPlot { width: 1fr; height: 1fr; min-height: 8; }
    """

    def show_points(self, key: str, steps: list, values: list) -> None:
        pairs = [
            (s, v)
            for s, v in zip(steps, values, strict=False)
            if s is not None and v is not None and not (isinstance(v, float) and not math.isfinite(v))
        ]
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(key)
        plt.xlabel("step")
        if len(pairs) == 1:
            # One value (a final score, say): a lone braille dot reads as noise, so say it.
            step, value = pairs[0]
            plt.title(f"{key} = {value:.6g} (one point, step {step})")
            plt.scatter([step], [value], marker="●")
        elif pairs:
            xs, ys = zip(*pairs, strict=False)
            plt.plot(list(xs), list(ys), marker="braille")
        self.refresh()
