"""The one page maker for offline HTML: packs, report cards and audit findings.

A page has no scripts and no external requests (a Content-Security-Policy says so to the
browser); charts are inline SVG drawn by vl-convert; text a person wrote is escaped.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import vl_convert

from workbench.core.disclosure import safe_count, suppress_with_total


def count(value: float | int | None, audience: str) -> str:
    """Return a count marked ``wb-count``, suppressed (1 to 5 shown as ``c``) in a shared pack."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        shown = ""
    elif audience == "shared":
        shown = safe_count(value)
    else:
        shown = f"{int(value):,}"
    return f"<span class='wb-count'>{html.escape(shown)}</span>"


def marked(shown: str) -> str:
    """Return a count already shown as text, marked ``wb-count`` (checks read every count by it)."""
    return f"<span class='wb-count'>{html.escape(shown)}</span>"


def counts_table(
    rows: Sequence[tuple[str, int]],
    audience: str,
    caption: str,
    total_label: str = "All",
    published: tuple[Sequence[str], str] | None = None,
) -> str:
    """Return a table of labelled counts and their total (shared packs: secondary suppression).

    ``published`` gives the cells and total as a page check decided to show them, when the page
    checks its counts as a whole; otherwise a shared table suppresses on its own.
    """
    values = [int(v) for _, v in rows]
    if published is not None:
        shown, total = list(published[0]), published[1]
    elif audience == "shared":
        shown, total = suppress_with_total(values)
    else:
        shown, total = [f"{v:,}" for v in values], f"{sum(values):,}"
    body = "".join(
        f"<tr><th scope='row'>{html.escape(label)}</th><td>{marked(cell)}</td></tr>"
        for (label, _), cell in zip(rows, shown, strict=True)
    )
    return (
        f"<table class='wb-counts'><caption>{html.escape(caption)}</caption><tbody>{body}"
        f"<tr class='wb-total'><th scope='row'>{html.escape(total_label)}</th><td>{marked(total)}</td></tr>"
        "</tbody></table>"
    )


def svg(chart) -> str:
    """Return ``chart`` drawn as inline SVG (no XML declaration), with a class for tests."""
    # Not validated again here: the chart functions' specs are validated by their unit tests.
    return inline_svg(vl_convert.vegalite_to_svg(chart.to_dict(validate=False)))


def inline_svg(drawn: str) -> str:
    """Return drawn SVG to sit inline in a page: no XML declaration, ``role=img``, class ``wb-chart``."""
    drawn = drawn[drawn.index("<svg") :]
    head, rest = drawn.split(">", 1)
    head = head.replace('class="marks"', 'class="marks wb-chart"') if 'class="marks"' in head else head
    return f"{head} role='img'>{rest}"


def paragraphs(text: str) -> str:
    """Return text a person wrote as escaped HTML paragraphs (blank lines split paragraphs)."""
    blocks = [b.strip() for b in str(text or "").strip().split("\n\n") if b.strip()]
    return "".join(f"<p>{html.escape(b).replace(chr(10), '<br>')}</p>" for b in blocks)


PACK_STYLE = """
body { font-family: system-ui, sans-serif; color: #1a1a1a; max-width: 1000px; margin: 1.5rem auto;
       padding: 0 1rem; line-height: 1.4; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; }
h2 { border-bottom: 3px solid #0072B2; padding-bottom: .2rem; }
h3 { margin: 1.2rem 0 .3rem; }
.wb-meta { color: #444; }
.wb-audience { display: inline-block; padding: .1rem .5rem; border: 2px solid #0072B2; border-radius: 3px;
               font-weight: 600; }
table { border-collapse: collapse; margin: .4rem 0 .8rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #ddd; vertical-align: top; }
table.wb-outcomes { width: 100%; } caption { text-align: left; font-weight: 600; padding: .2rem 0; }
.wb-prompt { background: #fff4e0; border-left: 4px solid #E69F00; padding: .3rem .6rem; margin: .3rem 0; }
.wb-prompt strong { display: block; }
.wb-child { border-top: 1px solid #bbb; margin-top: 1rem; page-break-inside: avoid; }
.wb-record { border: 1px solid #ccc; padding: .4rem .7rem; margin: .5rem 0; }
.wb-narrative { border: 1px dashed #777; min-height: 8rem; padding: .5rem; }
svg.wb-chart { max-width: 100%; height: auto; }
@media print { body { margin: 0; } }
"""


def page(title: str, body: str, style: str = PACK_STYLE, body_class: str | None = None) -> str:
    """Return a complete, self-contained HTML page: no scripts, no external requests.

    Every offline page the workbench writes (packs, report cards, audit findings) is made here,
    so each carries the Content-Security-Policy that keeps a browser from fetching anything.
    ``style`` is the page's own style sheet; ``body_class`` marks the page for tests.
    """
    marked_body = f"<body class='{html.escape(body_class)}'>" if body_class else "<body>"
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{html.escape(title)}</title><style>{style}</style></head>{marked_body}{body}</body></html>"
    )
