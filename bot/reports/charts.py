"""The PNG chart of the statistics: questions per day stacked by outcome, sign-ups per week
stacked by status.

matplotlib is imported inside :func:`draw` only (with the Agg backend, no display needed):
a bot that never draws a chart never loads it, so its start-up time and memory are unchanged
(see BENCHMARKS.md for what the first chart costs).
"""

from __future__ import annotations

import io
from collections.abc import Mapping

from bot.reports.stats import LEAD_GROUPS, OUTCOMES, UNCLASSIFIED, Stats

COLOURS = {
    "answered": "#2e7d32",
    "did_you_mean": "#f9a825",
    "declined": "#c62828",
    "unclassified": "#9e9e9e",
    "open": "#1565c0",
    "contacted": "#2e7d32",
    "not_relevant": "#9e9e9e",
}
WIDTH, HEIGHT, DPI = 8.0, 6.0, 100  # 800 × 600 pixels
# Above the bars, right of the title: never over a bar.
LEGEND = {
    "loc": "lower right",
    "bbox_to_anchor": (1.0, 1.0),
    "ncols": 4,
    "fontsize": "small",
    "frameon": False,
}


def draw(stats: Stats, labels: Mapping[str, str]) -> bytes:
    """The chart as PNG bytes; ``labels`` from :func:`bot.reports.stats.chart_labels`."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.dates import DateFormatter
    from matplotlib.figure import Figure  # no pyplot: no global state, nothing to close

    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
    questions, signups = figure.subplots(2, 1, height_ratios=(3, 2))

    days = list(stats.per_day)
    bottom = [0] * len(days)
    for outcome in OUTCOMES:
        values = [stats.per_day[day][outcome] for day in days]
        if outcome == UNCLASSIFIED and not any(values):
            continue
        questions.bar(
            days, values, bottom=bottom, color=COLOURS[outcome], label=labels[outcome], width=0.8
        )
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    questions.set_title(labels["questions"], loc="left")
    questions.legend(**LEGEND)
    questions.xaxis.set_major_formatter(DateFormatter("%m-%d"))

    weeks = list(stats.per_week)
    names = [week.strftime("%m-%d") for week in weeks]
    bottom = [0] * len(weeks)
    for group in LEAD_GROUPS:
        values = [stats.per_week[week][group] for week in weeks]
        signups.bar(names, values, bottom=bottom, color=COLOURS[group], label=labels[group])
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    signups.set_title(labels["signups"], loc="left")
    signups.legend(**LEGEND)

    for axes in (questions, signups):
        axes.yaxis.get_major_locator().set_params(integer=True)
        axes.spines[["top", "right"]].set_visible(False)
        axes.tick_params(axis="x", labelsize="small")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
