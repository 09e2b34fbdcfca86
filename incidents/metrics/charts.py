"""The charts: SVG drawn on the server (no script), with a table of the same data for screen
readers and anyone who wants the numbers.

Each period is cut into equal intervals, each drawn as one point (what the metric's transform
says of its data: by default the average). An interval without data breaks the line: a gap
is drawn as a gap, never bridged. The table groups the intervals into coarser rows (hours,
quarters of a day, days) and gives each row's value, lowest and highest point.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import formats
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents import timefmt

from .models import BucketWidth, Metric, Transform, instant

HOUR = 3600
DAY = 24 * HOUR


@dataclass(frozen=True)
class Period:
    key: str
    label: Promise
    since: Promise  # the left end of the time axis
    span: int  # seconds drawn, up to now
    step: int  # one drawn interval
    source: int  # the bucket width it is read from
    row: int  # one row of the table


PERIODS = (
    Period("day", gettext_lazy("Last day"), gettext_lazy("24 hours ago"),
           DAY, 5 * 60, BucketWidth.MINUTE, HOUR),
    Period("week", gettext_lazy("Last week"), gettext_lazy("7 days ago"),
           7 * DAY, HOUR, BucketWidth.HOUR, 6 * HOUR),
    Period("month", gettext_lazy("Last month"), gettext_lazy("30 days ago"),
           30 * DAY, 4 * HOUR, BucketWidth.HOUR, DAY),
)  # fmt: skip


def end_of(period: Period, now: int) -> int:
    """The end of the period's last interval, the one `now` is in."""
    return (now // period.step + 1) * period.step


@dataclass(frozen=True)
class Stat:
    """The points of an interval: their sum, count, lowest and highest."""

    sum: float
    count: int
    min: float
    max: float

    def __add__(self, other: Stat) -> Stat:
        return Stat(
            self.sum + other.sum,
            self.count + other.count,
            min(self.min, other.min),
            max(self.max, other.max),
        )

    def value(self, transform: str) -> float:
        if transform == Transform.SUM:
            return self.sum
        if transform == Transform.COUNT:
            return float(self.count)
        if transform == Transform.MIN:
            return self.min
        if transform == Transform.MAX:
            return self.max
        return self.sum / self.count


def combined(stats) -> Stat | None:
    total = None
    for stat in stats:
        total = stat if total is None else total + stat
    return total


# The drawing, in the SVG's own units (it scales to the width of the page).
WIDTH, HEIGHT = 600, 160
LEFT, RIGHT, TOP, BOTTOM = 64, 8, 10, 10
LINE_COLOUR = "#1f57c3"  # the page's accent; status.css's --accent may restyle it
GRID_COLOUR = "#e2e5ea"
LABEL_COLOUR = "#545b69"


@dataclass
class TableRow:
    start: str  # the row's first instant, as `UTC | PT`
    value: str | None  # None: no data in the row
    low: str = ""
    high: str = ""


@dataclass
class Chart:
    """One metric over one period."""

    metric: Metric
    period: Period
    svg: SafeString
    summary: str
    rows: list[TableRow]
    has_data: bool
    gaps: bool

    @property
    def id(self) -> str:
        return chart_id(self.metric, self.period)

    @property
    def title(self) -> str:
        return chart_title(self.metric, self.period)

    @property
    def last_data(self) -> str | None:
        """When the newest point is from, as `UTC | PT` with its date."""
        at = self.metric.most_recent_data_at
        return timefmt.dated_stamp(at) if at else None

    @property
    def table(self) -> SafeString:
        return render_table(self)


def chart_id(metric: Metric, period: Period) -> str:
    return f"metric-{metric.public_id}-{period.key}"


def chart_title(metric: Metric, period: Period) -> str:
    return _("%(metric)s: %(period)s") % {"metric": metric.name, "period": period.label}


@dataclass
class PeriodCharts:
    period: Period
    charts: list[Chart] = field(default_factory=list)


@dataclass
class Board:
    """What the metrics block of a page shows: each period with the chart of every metric."""

    periods: list[PeriodCharts]


def number(metric: Metric, value: float) -> str:
    """`42.50ms`: the metric's decimal places in the reader's number format, and its suffix."""
    text = formats.number_format(value, decimal_pos=metric.decimal_places, use_l10n=True)
    return f"{text}{metric.suffix}"


def _bounds(metric: Metric, values: list[float]) -> tuple[float, float]:
    low = metric.y_axis_min
    high = metric.y_axis_max
    if low is None:
        low = min([0.0, *values])
    if high is None:
        high = max([low, *values])
    if high <= low:
        high = low + 1
    return low, high


def draw(
    metric: Metric,
    period: Period,
    end: int,
    stats: dict[int, Stat],
    starts: list[tuple[int, str]] | None = None,
) -> Chart:
    """The chart of `metric` over `period` ending at `end`, from its intervals' `stats`
    (`starts`: the table's rows, as `row_starts` gives them)."""
    count = period.span // period.step
    first = end - period.span
    drawn = [
        (i, stat.value(metric.transform))
        for i in range(count)
        if (stat := stats.get(first + i * period.step)) is not None
    ]
    low, high = _bounds(metric, [v for _i, v in drawn])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (i + 0.5) * plot_w / count

    def y(v: float) -> float:
        share = (min(max(v, low), high) - low) / (high - low)
        return TOP + (1 - share) * plot_h

    # Consecutive intervals with data make one line; a missing one ends it.
    segments: list[list[tuple[int, float]]] = []
    for i, v in drawn:
        if segments and segments[-1][-1][0] == i - 1:
            segments[-1].append((i, v))
        else:
            segments.append([(i, v)])
    parts = []
    for fraction in (0, 0.5, 1):
        at = TOP + fraction * plot_h
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" class="metric-grid"/>',
                LEFT, WIDTH - RIGHT, f"{at:.1f}", f"{at:.1f}", GRID_COLOUR,
            )
        )  # fmt: skip
        if not metric.y_axis_hidden:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="end" dominant-baseline="middle" '
                    'fill="{}" class="metric-label">{}</text>',
                    LEFT - 6, f"{at:.1f}", LABEL_COLOUR,
                    number(metric, high - fraction * (high - low)),
                )
            )  # fmt: skip
    for segment in segments:
        if len(segment) == 1:
            i, v = segment[0]
            parts.append(
                format_html(
                    '<circle cx="{}" cy="{}" r="2.5" fill="{}" class="metric-dot"/>',
                    f"{x(i):.1f}", f"{y(v):.1f}", LINE_COLOUR,
                )
            )  # fmt: skip
            continue
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in segment)
        parts.append(
            format_html(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="2" '
                'stroke-linejoin="round" vector-effect="non-scaling-stroke" class="metric-line"/>',
                points, LINE_COLOUR,
            )
        )  # fmt: skip
    gaps = bool(drawn) and (len(segments) > 1 or drawn[0][0] > 0 or drawn[-1][0] < count - 1)
    total = combined(stats.get(first + i * period.step) for i, _v in drawn)
    summary = _summary(metric, total, gaps)
    svg_id = chart_id(metric, period)
    svg = format_html(
        '<svg class="metric-chart" viewBox="0 0 {} {}" role="img" '
        'aria-labelledby="{}-title {}-desc" focusable="false">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        WIDTH, HEIGHT, svg_id, svg_id, svg_id, chart_title(metric, period), svg_id, summary,
        mark_safe("".join(parts)),
    )  # fmt: skip
    return Chart(
        metric=metric,
        period=period,
        svg=svg,
        summary=summary,
        rows=_rows(metric, period, end, stats, starts or row_starts(period, end)),
        has_data=bool(drawn),
        gaps=gaps,
    )


def _summary(metric: Metric, total: Stat | None, gaps: bool) -> str:
    if total is None:
        return _("No data in this period.")
    values = {
        "value": number(metric, total.value(metric.transform)),
        "low": number(metric, total.min),
        "high": number(metric, total.max),
    }
    if metric.transform == Transform.AVERAGE:
        text = _("Average %(value)s, lowest %(low)s, highest %(high)s.") % values
    else:
        text = _("%(transform)s %(value)s, lowest %(low)s, highest %(high)s.") % {
            **values,
            "transform": _transform_label(metric.transform),
        }
    if gaps:
        text += " " + _("No data for part of the period.")
    return text


def _transform_label(transform: str) -> str:
    return {
        Transform.AVERAGE: _("Average"),
        Transform.SUM: _("Total"),
        Transform.COUNT: _("Count"),
        Transform.MIN: _("Minimum"),
        Transform.MAX: _("Maximum"),
    }.get(transform, _("Average"))


def row_starts(period: Period, end: int) -> list[tuple[int, str]]:
    """The table's rows: the period in rows of `period.row` seconds on the UTC clock (so the
    first may be partial), oldest first, each with its first instant as `UTC | PT`. The same
    for every metric: formatted once per page."""
    first = end - period.span
    return [
        (start, timefmt.dated_stamp(instant(max(start, first))))
        for start in range(first // period.row * period.row, end, period.row)
    ]


def _rows(
    metric: Metric, period: Period, end: int, stats: dict[int, Stat], starts: list[tuple[int, str]]
) -> list[TableRow]:
    first = end - period.span
    rows = []
    for row_start, stamp in starts:
        total = combined(
            stat
            for slot in range(max(row_start, first), min(row_start + period.row, end), period.step)
            if (stat := stats.get(slot)) is not None
        )
        if total is None:
            rows.append(TableRow(stamp, None))
        else:
            rows.append(
                TableRow(stamp, number(metric, total.value(metric.transform)),
                         number(metric, total.min), number(metric, total.max))
            )  # fmt: skip
    return rows


def render_table(chart: Chart) -> SafeString:
    """The table behind a chart (its rows formatted here: a month has 31 of them per metric,
    too many for a template loop on a page of many metrics)."""
    no_data = _("No data")
    body = format_html_join(
        "",
        '<tr><th scope="row">{}</th>{}</tr>',
        (
            (
                row.start,
                format_html('<td colspan="3">{}</td>', no_data)
                if row.value is None
                else format_html("<td>{}</td><td>{}</td><td>{}</td>", row.value, row.low, row.high),
            )
            for row in chart.rows
        ),
    )
    return format_html(
        '<table><caption>{}</caption><thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
        '<th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
        chart.title, _("Time"), _transform_label(chart.metric.transform), _("Lowest"),
        _("Highest"), body,
    )  # fmt: skip


def board(metrics: list[Metric], data: dict[str, tuple[int, dict[int, dict[int, Stat]]]]) -> Board:
    """Every metric's chart in every period: `data` is, by period key, the period's end and
    each metric's interval stats (by metric pk, then interval start)."""
    periods = []
    for period in PERIODS:
        end, by_metric = data[period.key]
        starts = row_starts(period, end)
        charts = [draw(m, period, end, by_metric.get(m.pk, {}), starts) for m in metrics]
        periods.append(PeriodCharts(period, charts))
    return Board(periods=periods)
