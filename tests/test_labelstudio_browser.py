"""A real browser (Debian's headless Chromium driven by Playwright) on a real Label Studio.

Log in, open a pushed task, see the Chinese text, the pre-annotated spans and
a relation, label one span by hand, submit, and find it in the next pull.
"""
import json
import shutil
import time
from pathlib import Path

import pytest

from fupin.labelstudio import tag_with_scores
from fupin.ls_client import LSClient, name_annotators, push
from fupin.rounds import write_round

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TEXT = "𠀀𡈽到2018年底，要实现2.6万余贫困人口脱贫，发展茶叶种植。"
HAND = "茶叶种植"


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (python package) is not installed")
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.skip("/usr/bin/chromium is absent (apt-get install chromium)")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def test_label_a_span_in_the_browser_and_pull_it(label_studio, browser, rules_nlp, tmp_path):
    client = LSClient(label_studio["url"], label_studio["token"])
    [record] = tag_with_scores(rules_nlp, [{"id": "browser-1", "text": TEXT, "meta": {"date": "2017-03-01"}}])
    assert record["relations"], "the rule layer links the population to its deadline"
    summary = push(client, [record], project="fupin-browser", model_version="rules-browser")
    [task_id] = summary.created
    project_id = summary.project_id

    page = browser.new_page(viewport={"width": 1400, "height": 900})
    base = label_studio["url"]
    page.goto(base + "/user/login/")
    page.fill("input[name=email]", label_studio["email"])
    page.fill("input[name=password]", label_studio["password"])
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/user/login" not in page.url, "login failed"
    page.goto(f"{base}/projects/{project_id}/data?task={task_id}")
    page.wait_for_selector(".lsf-richtext__line", timeout=60_000)
    page.wait_for_selector(".htx-highlight", timeout=30_000)

    # the Chinese text (with characters outside the BMP), the pre-annotated spans and the relation
    assert page.inner_text(".lsf-richtext__line") == TEXT
    shown = page.evaluate("""() => [...document.querySelectorAll('.lsf-richtext__line .htx-highlight')]
        .map(e => [Number(e.dataset.start), Number(e.dataset.end), e.textContent])""")
    assert sorted(map(tuple, shown)) == sorted((s["start"], s["end"], s["text"]) for s in record["spans"])
    assert "HAS_DEADLINE" in page.inner_text("body")

    # label 茶叶种植 by hand: pick the label, select the text, release the mouse
    page.get_by_text("PROGRAM", exact=True).first.click()
    page.evaluate("""(needle) => {
        const line = document.querySelector('.lsf-richtext__line');
        const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
        let n;
        while ((n = walker.nextNode())) {
            const i = n.textContent.indexOf(needle);
            if (i >= 0) {
                const r = document.createRange();
                r.setStart(n, i); r.setEnd(n, i + needle.length);
                const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(r);
                line.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
                return;
            }
        }
        throw new Error('text not found');
    }""", HAND)
    page.wait_for_selector(f".htx-highlight[data-label$=':PROGRAM']", timeout=10_000)
    page.get_by_role("button", name="Submit").click()

    deadline = time.time() + 30
    while time.time() < deadline:
        export = client.export(project_id)
        if export[0].get("annotations"):
            break
        time.sleep(0.5)
    else:
        pytest.fail("the submitted annotation did not reach the server")
    page.close()
    name_annotators(client, export)
    summary = write_round(export, tmp_path, project={"title": "fupin-browser", "id": project_id, "url": base})
    assert summary.counts["annotated"] == 1, summary.outcomes[0].reason
    [doc] = [json.loads(line) for line in (summary.path / "docs.jsonl").read_text(encoding="utf-8").splitlines()]
    start = TEXT.index(HAND)
    hand = [s for s in doc["spans"] if s["label"] == "PROGRAM"]
    assert [(s["start"], s["end"], s["text"]) for s in hand] == [(start, start + len(HAND), HAND)]
    assert {(s["start"], s["end"], s["label"]) for s in record["spans"]} <= {
        (s["start"], s["end"], s["label"]) for s in doc["spans"]}
    assert len(doc["relations"]) == len(record["relations"])
    assert label_studio["email"] in summary.outcomes[0].reason
