"""Bar charts for the parental-views section: SVG for the HTML (and so the PDF), PNG for the DOCX.

matplotlib with the Agg backend (no display needed); one figure per call, closed at once so a long
run of reports keeps memory flat. Suppressed values are not drawn: the alt text and the table say why.
"""

from __future__ import annotations

import html
import io
import re
import threading

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from reports.parental_views.model import ChartData  # noqa: E402

# GOV.UK palette: blue, dark grey, orange (enough contrast against white for WCAG 2.2 non-text contrast).
COLOURS = ("#1d70b8", "#505a5f", "#f47738")
PNG_DPI = 150
# Short, so neighbouring bars' labels do not overlap; the alt text and the table spell it out.
SUPPRESSED_LABEL = "<5"
# pyplot keeps global state: reports rendered in worker threads take turns.
_PYPLOT_LOCK = threading.Lock()
_SVG_START = re.compile(r"<svg\b[^>]*>", re.DOTALL)

matplotlib.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "carerline", "font.size": 10})


def _figure(chart: ChartData) -> plt.Figure:
    count = len(chart.categories)
    height = max(2.5, 0.45 * count + 1.2) if chart.is_horizontal else 3.4
    figure, axes = plt.subplots(figsize=(7.0, height))
    width = 0.8 / max(1, len(chart.series))
    for index, (name, values) in enumerate(chart.series):
        positions = [position + index * width - 0.4 + width / 2 for position in range(count)]
        heights = [0.0 if value is None else value for value in values]
        draw = axes.barh if chart.is_horizontal else axes.bar
        bars = draw(positions, heights, width, label=name, color=COLOURS[index % len(COLOURS)])
        labels = [SUPPRESSED_LABEL if value is None else f"{value:,.0f}" for value in values]
        axes.bar_label(bars, labels=labels, padding=2, fontsize=8)
    ticks = list(range(count))
    if chart.is_horizontal:
        axes.set_yticks(ticks, chart.categories)
        axes.invert_yaxis()
        axes.set_xlabel(chart.value_label)
    else:
        axes.set_xticks(ticks, chart.categories)
        axes.set_ylabel(chart.value_label)
    axes.set_title(chart.title)
    axes.spines[["top", "right"]].set_visible(False)
    tallest = max((value for _, values in chart.series for value in values if value is not None), default=0.0)
    (axes.set_xlim if chart.is_horizontal else axes.set_ylim)(0, max(1.0, tallest * 1.15))  # room for the bar labels
    if len(chart.series) > 1:
        # Below the plot, so it never covers a bar.
        axes.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=len(chart.series))
    figure.tight_layout()
    return figure


def chart_svg(chart: ChartData) -> str:
    """The chart as an inline <svg> element, named by its alt text for screen readers."""
    buffer = io.StringIO()
    with _PYPLOT_LOCK:
        figure = _figure(chart)
        try:
            figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        finally:
            plt.close(figure)
    text = buffer.getvalue()
    match = _SVG_START.search(text)
    if match is None:
        raise RuntimeError("matplotlib wrote no <svg> element")
    label = html.escape(chart.alt_text, quote=True)
    opening = match.group(0)[:-1].rstrip("/") + f' role="img" aria-label="{label}">'
    return opening + f"<title>{html.escape(chart.title)}</title>" + text[match.end():]


def chart_png(chart: ChartData) -> bytes:
    """The chart as PNG bytes (for the DOCX)."""
    buffer = io.BytesIO()
    with _PYPLOT_LOCK:
        figure = _figure(chart)
        try:
            figure.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
        finally:
            plt.close(figure)
    return buffer.getvalue()
