"""``fupin report``: the HTML page, checked as text and in headless Chromium."""
import os
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fupin.cli import app
from fupin.ingest import read_records
from fupin.report import COLORS
from fupin.runner import run_tagging

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def tagged(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "examples.jsonl"
    run_tagging([ROOT / "examples"], out, rules=True, progress="off")
    return out


@pytest.fixture(scope="module")
def report(tagged):
    page = tagged.with_name("report.html")
    result = CliRunner().invoke(app, ["report", str(tagged), "-o", str(page)])
    assert result.exit_code == 0, result.output
    return page


def test_report_is_self_contained(report):
    page = report.read_text(encoding="utf-8")
    assert page.count("<svg") == 3
    assert not re.search(r"""<(?:script|link|img)[^>]+(?:src|href)=["']?(?:https?:)?//""", page)
    assert "@import" not in page and "url(http" not in page


def test_report_bad_input_is_a_usage_error(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{nope\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(bad), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 2


def _chromium() -> str:
    path = os.environ.get("FUPIN_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.skip("chromium is not installed (scripts/setup.sh installs it where apt-get is available)")
    return path


@pytest.fixture(scope="module")
def page(report):
    executable = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1300, "height": 900})
        tab.goto(report.resolve().as_uri())
        yield tab
        browser.close()


def test_browser_shows_summary_and_articles(page, tagged):
    records = read_records(tagged)
    assert page.locator("#stat-documents b").inner_text() == str(len(records))
    articles = page.locator("article.doc")
    assert articles.count() == len(records)
    assert articles.first.locator("h3").inner_text().startswith(records[0]["id"])
    # displaCy marks: one per span, coloured by label
    first_spans = records[0]["spans"]
    marks = articles.first.locator(".displacy mark.entity")
    assert marks.count() == len(first_spans)
    money = articles.first.locator(".displacy mark.entity", has_text="MONEY").first
    assert money.evaluate("e => getComputedStyle(e).backgroundColor") == _rgb(COLORS["MONEY"])


def test_browser_lists_relations_under_each_quantity(page, tagged):
    record = read_records(tagged)[0]
    quantities = [s for s in record["spans"] if s["label"] in ("POPULATION", "MONEY", "PERCENT", "QUANTITY",
                                                               "VILLAGE_COUNT", "COUNTY_COUNT", "HOUSEHOLD_COUNT")]
    items = page.locator("article.doc").first.locator("li.quantity")
    assert items.count() == len(quantities)
    head = record["relations"][0]["head"]
    index = [i for i, s in enumerate(record["spans"]) if s in quantities].index(head)
    shown = items.nth(index).locator("li.rel")
    expected = sorted(r["label"] for r in record["relations"] if r["head"] == head)
    assert sorted(shown.nth(i).get_attribute("data-label") for i in range(shown.count())) == expected


def test_browser_facts_table_sorts(page):
    rows = page.locator("#facts tbody tr")
    assert rows.count() > 10
    value_header = page.locator("#facts th[data-col=value]")

    def values():
        return [float(v) for v in page.eval_on_selector_all(
            "#facts tbody td.num", "cells => cells.map(c => c.dataset.v).filter(v => v !== '')")]

    value_header.click()
    assert value_header.get_attribute("aria-sort") == "ascending"
    ascending = values()
    assert ascending == sorted(ascending)
    value_header.click()
    assert value_header.get_attribute("aria-sort") == "descending"
    assert values() == sorted(ascending, reverse=True)
    label_header = page.locator("#facts th[data-col=label]")
    label_header.click()
    labels = page.eval_on_selector_all("#facts tbody td.label", "cells => cells.map(c => c.textContent)")
    assert labels == sorted(labels)


def test_browser_charts(page, tagged):
    from fupin.facts import record_facts

    facts = [f for r in read_records(tagged) for f in record_facts(r)]
    targets = [f for f in facts if f["deadline"]]
    years = sorted({f["deadline"][:4] for f in targets})
    for chart in ("#chart-year", "#chart-region", "#chart-program"):
        svg = page.locator(f"{chart} svg")
        assert svg.count() == 1 and svg.bounding_box()["width"] > 200
    year_text = page.locator("#chart-year svg").text_content()
    assert all(year in year_text for year in years)
    top_region = max({f["region"] or "(no region)" for f in targets},
                     key=lambda r: sum((f["region"] or "(no region)") == r for f in targets))
    assert top_region in page.locator("#chart-region svg").text_content()
    program_text = page.locator("#chart-program svg").text_content()
    assert all((f["program"] or "(no program)") in program_text for f in targets)


def _rgb(hex_colour: str) -> str:
    h = hex_colour.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(h[i:i + 2], 16) for i in (0, 2, 4)))
