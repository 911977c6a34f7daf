"""``fupin report``: a self-contained HTML page about a tagged corpus.

The page has, in this order:

- summary figures (documents, spans, facts, targets);
- charts (matplotlib, inlined as SVG with the text kept as text, so the
  browser's fonts draw the Chinese): targets by deadline year, by region and
  by program. A *target* is a fact with a deadline (a HAS_DEADLINE link);
- a sortable facts table (click a column header; numbers sort as numbers);
- the first ``max_docs`` articles rendered with displaCy (entities coloured
  by label), each followed by its quantities with their linked context.

Everything (CSS, JS, charts, data) is inline: no network access is needed
to view it. The JSONL is streamed; only the charts' counts, the first
``max_facts`` table rows and the first ``max_docs`` articles are kept.
"""
from __future__ import annotations

import html
import io
import json
import logging
import warnings
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

from .facts import record_facts
from .schema import QUANTITY_LABELS

logger = logging.getLogger(__name__)

COLORS = {
    "POPULATION": "#f4a6a6", "HOUSEHOLD_COUNT": "#f7c59f", "VILLAGE_COUNT": "#f9e79f", "COUNTY_COUNT": "#d5e8a4",
    "MONEY": "#a9dfbf", "PERCENT": "#a3d8f4", "QUANTITY": "#d7bde2", "DEADLINE": "#ff8c69",
    "DATE": "#c8c8c8", "REGION": "#9ec9ff", "PROGRAM": "#b8e6c9",
}
TABLE_COLUMNS = ("id", "label", "value", "unit", "qualifier", "text", "deadline", "as_of", "region", "program",
                 "sentence")
FONT_FAMILY = ["Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei",
               "DejaVu Sans", "sans-serif"]


class ReportData:
    """What the report keeps while streaming the JSONL."""

    def __init__(self, max_docs: int, max_facts: int):
        self.max_docs, self.max_facts = max_docs, max_facts
        self.documents = 0
        self.spans = 0
        self.facts = 0
        self.targets = 0
        self.labels: Counter = Counter()
        self.by_year: Dict[str, Counter] = {}
        self.by_region: Counter = Counter()
        self.by_program: Counter = Counter()
        self.rows: List[Dict] = []
        self.articles: List[str] = []

    def add(self, record: Dict) -> None:
        self.documents += 1
        self.spans += len(record.get("spans", []))
        self.labels.update(s["label"] for s in record.get("spans", []))
        facts = record_facts(record)
        self.facts += len(facts)
        for fact in facts:
            if len(self.rows) < self.max_facts:
                self.rows.append(fact)
            if not fact.get("deadline"):
                continue
            self.targets += 1
            year = str(fact["deadline"])[:4]
            self.by_year.setdefault(year, Counter())[fact["label"]] += 1
            self.by_region[fact.get("region") or "(no region)"] += 1
            self.by_program[fact.get("program") or "(no program)"] += 1
        if len(self.articles) < self.max_docs:
            self.articles.append(render_article(record))


def render_article(record: Dict) -> str:
    """One article: displaCy entities, then each quantity with its linked context."""
    from spacy import displacy

    spans = record.get("spans", [])
    ents = [{"start": s["start"], "end": s["end"], "label": s["label"]} for s in spans]
    title = str(record.get("id"))
    date = (record.get("meta") or {}).get("date")
    body = displacy.render({"text": record["text"], "ents": ents, "title": None}, style="ent", manual=True,
                           page=False, options={"colors": COLORS, "ents": list(COLORS)})
    links: Dict[int, List[Tuple[str, Dict]]] = {}
    for rel in record.get("relations", []):
        links.setdefault(rel["head"], []).append((rel["label"], spans[rel["child"]]))
    items = []
    for i, span in enumerate(spans):
        if span["label"] not in QUANTITY_LABELS:
            continue
        value = "" if span.get("value") is None else f"{span.get('qualifier') or ''} {_num(span['value'])} {span.get('unit') or ''}"
        context = "".join(
            f'<li class="rel" data-label="{html.escape(label)}"><span class="rel-label">{html.escape(label)}</span> '
            f'{html.escape(child["text"])}{_child_value(child)}</li>'
            for label, child in sorted(links.get(i, []), key=lambda x: x[0]))
        items.append(
            f'<li class="quantity"><mark style="background:{COLORS.get(span["label"], "#ddd")}">'
            f'{html.escape(span["text"])}</mark> <span class="qlabel">{span["label"]}</span> '
            f'<span class="qvalue">{html.escape(value.strip())}</span>'
            + (f'<ul class="rels">{context}</ul>' if context else '<ul class="rels"><li class="none">no context linked</li></ul>')
            + "</li>")
    return (f'<article class="doc" id="doc-{html.escape(title)}"><h3>{html.escape(title)}'
            f'{f" <small>{html.escape(str(date))}</small>" if date else ""}</h3>'
            f'<div class="displacy">{body}</div>'
            f'<details open><summary>{len(items)} quantities and their context</summary>'
            f'<ul class="quantities">{"".join(items)}</ul></details></article>')


def _child_value(child: Dict) -> str:
    extra = child.get("date") or child.get("program")
    return f' <span class="rel-value">({html.escape(str(extra))})</span>' if extra else ""


def _num(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


# charts -----------------------------------------------------------------
def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _plt():
    import matplotlib

    logging.getLogger("matplotlib").setLevel(logging.WARNING)
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "font.family": "sans-serif", "font.sans-serif": FONT_FAMILY,
                         "font.size": 10, "axes.spines.top": False, "axes.spines.right": False})
    return plt


def chart_by_year(data: ReportData) -> Optional[str]:
    """Stacked bars: targets by deadline year, one colour per label."""
    if not data.by_year:
        return None
    plt = _plt()
    years = sorted(data.by_year)
    labels = [lab for lab in COLORS if any(data.by_year[y][lab] for y in years)]
    fig, ax = plt.subplots(figsize=(7, 3.2))
    bottom = [0] * len(years)
    for lab in labels:
        heights = [data.by_year[y][lab] for y in years]
        ax.bar(range(len(years)), heights, bottom=bottom, label=lab, color=COLORS[lab], edgecolor="#555", linewidth=0.4)
        bottom = [b + h for b, h in zip(bottom, heights)]
    ax.set_xticks(range(len(years)), years)
    ax.set_xlabel("deadline year")
    ax.set_ylabel("targets")
    ax.legend(fontsize=7, frameon=False, bbox_to_anchor=(1.01, 1), loc="upper left")
    return _finish(plt, fig)


def chart_counter(counter: Counter, xlabel: str, top: int = 15, color: str = "#5b8def") -> Optional[str]:
    """Horizontal bars for the ``top`` most common keys of ``counter``."""
    if not counter:
        return None
    plt = _plt()
    items = counter.most_common(top)[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(items) + 0.9))
    ax.barh([k for k, _ in items], [v for _, v in items], color=color)
    for i, (_, v) in enumerate(items):
        ax.text(v, i, f" {v}", va="center", fontsize=8)
    ax.set_xlabel(xlabel)
    return _finish(plt, fig)


def _finish(plt, fig) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # missing CJK glyphs in the layout font: the browser draws the text
        svg = _svg(fig)
    plt.close(fig)
    return svg


# page -------------------------------------------------------------------
CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:0 auto;max-width:1200px;padding:1em 2em;color:#222}
h1{margin-bottom:.2em} .stats{display:flex;gap:1.5em;flex-wrap:wrap;margin:1em 0}
.stat{background:#f3f5f9;border-radius:6px;padding:.6em 1em}.stat b{display:block;font-size:1.5em}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:1em}
figure{margin:0;background:#fafafa;border:1px solid #eee;border-radius:6px;padding:.5em}
figure svg{max-width:100%;height:auto} figcaption{font-weight:bold;margin-bottom:.3em}
.table-wrap{max-height:480px;overflow:auto;border:1px solid #ddd}
table{border-collapse:collapse;font-size:.85em;width:100%}
th,td{border-bottom:1px solid #eee;padding:.25em .5em;text-align:left;vertical-align:top}
th{position:sticky;top:0;background:#e9edf5;cursor:pointer;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" \\25B2"} th[aria-sort=descending]::after{content:" \\25BC"}
td.num{text-align:right} td.sentence{max-width:420px;color:#555}
article.doc{border-top:2px solid #ccd;margin-top:1.5em;padding-top:.5em}
.displacy{max-height:420px;overflow:auto;border:1px solid #eee;padding:.5em}
ul.quantities{columns:2;font-size:.85em} li.quantity{break-inside:avoid;margin-bottom:.4em}
.qlabel{font-size:.75em;color:#666} .rel-label{font-size:.75em;background:#eef;border-radius:3px;padding:0 .3em}
.none{color:#999}
"""

JS = """
document.querySelectorAll('table.sortable').forEach(function(table){
  var heads = table.querySelectorAll('th');
  heads.forEach(function(th, col){
    th.addEventListener('click', function(){
      var asc = th.getAttribute('aria-sort') !== 'ascending';
      heads.forEach(function(h){ h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var numeric = th.dataset.type === 'number';
      rows.sort(function(a, b){
        var x = a.cells[col].dataset.v !== undefined ? a.cells[col].dataset.v : a.cells[col].textContent;
        var y = b.cells[col].dataset.v !== undefined ? b.cells[col].dataset.v : b.cells[col].textContent;
        if (x === '' && y !== '') return 1;
        if (y === '' && x !== '') return -1;
        var c = numeric ? (parseFloat(x) - parseFloat(y)) : x.localeCompare(y, 'zh');
        return asc ? c : -c;
      });
      rows.forEach(function(r){ body.appendChild(r); });
    });
  });
});
"""


def _table(rows: List[Dict], total: int) -> str:
    head = "".join(f'<th data-col="{c}"{" data-type=number" if c == "value" else ""}>{c}</th>' for c in TABLE_COLUMNS)
    body = []
    for row in rows:
        cells = []
        for c in TABLE_COLUMNS:
            v = row.get(c)
            if c == "value":
                cells.append(f'<td class="num" data-v="{"" if v is None else v}">{"" if v is None else html.escape(_num(v))}</td>')
            else:
                cells.append(f'<td class="{c}">{"" if v is None else html.escape(str(v))}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    note = f"<p>first {len(rows):,} of {total:,} facts (<code>--max-facts</code>)</p>" if len(rows) < total else ""
    return (f'{note}<div class="table-wrap"><table id="facts" class="sortable"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def build_page(data: ReportData, title: str) -> str:
    """The HTML page of the report."""
    charts = [
        ("chart-year", "Targets by deadline year", chart_by_year(data)),
        ("chart-region", "Targets by region (top 15)", chart_counter(data.by_region, "targets")),
        ("chart-program", "Targets by program", chart_counter(data.by_program, "targets", color="#4caf7a")),
    ]
    figures = "".join(
        f'<figure id="{cid}"><figcaption>{caption}</figcaption>'
        f'{svg if svg else "<p class=none>no targets (facts with a deadline) to plot</p>"}</figure>'
        for cid, caption, svg in charts)
    stats = "".join(f'<div class="stat" id="stat-{k}"><b>{v:,}</b>{k}</div>' for k, v in
                    (("documents", data.documents), ("spans", data.spans), ("facts", data.facts),
                     ("targets", data.targets)))
    legend = "".join(f'<mark style="background:{c};padding:0 .3em;margin-right:.3em">{lab}</mark>'
                     for lab, c in COLORS.items())
    shown = (f"first {len(data.articles)} of {data.documents}" if len(data.articles) < data.documents
             else f"all {data.documents}")
    return f"""<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta name="generator" content="fupin report"><style>{CSS}</style></head>
<body>
<h1>{html.escape(title)}</h1>
<div class="stats">{stats}</div>
<h2>Charts</h2><div class="charts">{figures}</div>
<h2>Facts</h2>{_table(data.rows, data.facts)}
<h2>Articles <small>({shown})</small></h2><p class="legend">{legend}</p>
{"".join(data.articles)}
<script>{JS}</script>
</body></html>
"""


def write_report(path: Union[str, Path], output: Union[str, Path], max_docs: int = 50,
                 max_facts: int = 20_000, title: Optional[str] = None) -> Dict[str, int]:
    """Read a tagged JSONL (streamed) and write the HTML report.

    path (Path): SCHEMA JSONL from ``fupin tag``.
    output (Path): the HTML file to write.
    max_docs (int): articles rendered with displaCy.
    max_facts (int): rows in the facts table (the charts count all facts).
    RETURNS (dict): {"documents", "facts"} counted.
    """
    path = Path(path)
    data = ReportData(max_docs, max_facts)
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f"{path}:{lineno}: malformed JSON ({err.msg})") from None
            data.add(record)
    page = build_page(data, title or f"fupin report: {path.name}")
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(page, encoding="utf-8")
    return {"documents": data.documents, "facts": data.facts}
