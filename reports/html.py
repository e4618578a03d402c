"""The one HTML renderer: self-contained pages (the verdict first, the tables, then the charts drawn by one
embedded, compressed copy of plotly.js, so that a page opens without a network)."""

from __future__ import annotations

import base64
import functools
import html
import json
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sourcing import __version__, words

from .emphasis import as_html
from .tables import Table, text

say = words.say

STYLE = ("body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:1200px;"
         "padding:0 1rem;color:#222}h1{font-size:1.8rem}h2{margin-top:2.2rem;font-size:1.3rem}"
         ".verdict{border:1px solid #ccc;border-radius:8px;padding:.5rem 1.2rem;background:#fafafa}"
         "table{border-collapse:collapse;margin:1rem 0;font-size:.92rem}td,th{border:1px solid #ccc;"
         "padding:4px 8px;text-align:right;vertical-align:top}th:first-child,td:first-child{text-align:left}"
         "thead th{background:#f3f3f3}.note{color:#666;font-size:.9rem}.chart{min-height:440px;margin:1rem 0}")


@functools.lru_cache(maxsize=1)
def _plotly_packed() -> str:
    """plotly.js, deflate-compressed and base64-encoded (about 2 MB instead of 4.8)."""
    from plotly.offline import get_plotlyjs

    return base64.b64encode(zlib.compress(get_plotlyjs().encode("utf-8"), 9)).decode("ascii")


def _loader(packed: str, message: str) -> str:
    """The script that unpacks plotly.js once and draws every chart of the page (each ``div.chart`` holds
    its figure as JSON); a browser without DecompressionStream shows ``message`` in each chart's place."""
    return (
        "<script>(function(){var charts=document.querySelectorAll('div.chart');"
        "function draw(){charts.forEach(function(d){var f=JSON.parse(d.getAttribute('data-figure'));"
        "Plotly.newPlot(d,f.data,f.layout,{responsive:true,displaylogo:false});});}"
        "function fail(){charts.forEach(function(d){d.textContent=" + json.dumps(message) + ";});}"
        "if(!window.DecompressionStream){fail();return;}"
        f"var b=atob('{packed}');var a=new Uint8Array(b.length);"
        "for(var i=0;i<b.length;i++){a[i]=b.charCodeAt(i);}"
        "new Response(new Blob([a]).stream().pipeThrough(new DecompressionStream('deflate'))).text()"
        ".then(function(t){var s=document.createElement('script');s.textContent=t;document.head.appendChild(s);"
        "draw();}).catch(fail);})();</script>")


def chart_div(figure: Any) -> str:
    """A chart's place in a report page; :func:`charts_script`, once per page, draws every one."""
    return f"<div class='chart' data-figure='{html.escape(figure.to_json(), quote=True)}'></div>"


def charts_script(lang: str = "en") -> str:
    """The one embedded, compressed copy of plotly.js that draws the page's charts, offline."""
    return _loader(_plotly_packed(), say("export.report_old_browser", lang))


def html_report(title: str, tables: Sequence[Table], figures: Sequence[Any], lang: str = "en",
                currency: str = "EUR", verdict: Sequence[str] = (), intro: Sequence[str] = (),
                note: str = "") -> str:
    """A single HTML file: the verdict first, the tables, then the interactive charts (plotly figures,
    drawn by one embedded, compressed copy of plotly.js: the file opens without a network)."""
    parts = [f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>",
             "<meta name='viewport' content='width=device-width, initial-scale=1'>",
             f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>"]
    if verdict:
        parts.append(f"<div class='verdict'><h2>{html.escape(say('verdict.title', lang))}</h2>")
        parts += [f"<p>{as_html(line)}</p>" for line in verdict]
        parts.append("</div>")
    parts += [f"<p class='note'>{html.escape(line)}</p>" for line in intro]
    for table in tables:
        parts.append(f"<h2>{html.escape(table.title)}</h2>")
        parts.append(table_html(table, currency, lang))
    if figures:
        parts.append(f"<h2>{html.escape(say('export.report_charts', lang))}</h2>")
        parts += [chart_div(figure) for figure in figures]
        parts.append(charts_script(lang))
    created = say("export.report_created", lang, version=__version__, date=datetime.now(UTC).date().isoformat())
    parts.append(f"<p class='note'>{html.escape(note)}</p>" if note else "")
    parts.append(f"<p class='note'>{html.escape(created)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def table_html(table: Table, currency: str = "EUR", lang: str = "en") -> str:
    """A table as HTML, its cells in the reader's locale, every text escaped."""
    return text(table, currency, lang).to_html(escape=True, border=0)
