import json

from fupin.ingest import InputError, find_article_date, read_inputs

TEXT = "2017年05月12日 09:30 来源:县扶贫办\n全县今年要实现5000名贫困人口脱贫。"


def test_encodings(tmp_path):
    (tmp_path / "a.txt").write_bytes(TEXT.encode("utf-8"))
    (tmp_path / "b.txt").write_bytes(TEXT.encode("gb18030"))
    trad = "2017年05月12日 09:30 來源:縣扶貧辦\n全縣今年要實現5000名貧困人口脫貧,確保貧困村全部退出。"
    (tmp_path / "c.txt").write_bytes(trad.encode("big5"))
    items = list(read_inputs([tmp_path]))
    assert [i["text"] for i in items] == [TEXT, TEXT, trad]
    assert all(i["meta"]["date"] == "2017-05-12" for i in items)


def test_html_main_text(tmp_path):
    body = "".join(f"<p>{TEXT}第{i}段,全市共有70个贫困村,2.6万余贫困人口需要脱贫。</p>" for i in range(5))
    page = (f"<html><head><meta charset='utf-8'><title>标题</title></head><body>"
            f"<nav><a href='/'>首页</a><a>导航</a></nav><article>{body}</article>"
            f"<footer>版权所有</footer></body></html>")
    (tmp_path / "p.html").write_text(page, encoding="utf-8")
    [item] = list(read_inputs([tmp_path]))
    assert "70个贫困村" in item["text"]
    assert "版权所有" not in item["text"]


def test_bad_inputs_are_reported_and_run_goes_on(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (tmp_path / "huge.txt").write_text("贫" * 20_000, encoding="utf-8")
    lines = [json.dumps({"id": "ok", "text": TEXT}, ensure_ascii=False), "{not json", json.dumps({"id": "x"})]
    (tmp_path / "docs.jsonl").write_text("\n".join(lines), encoding="utf-8")
    (tmp_path / "good.txt").write_text(TEXT, encoding="utf-8")
    items = list(read_inputs([tmp_path, tmp_path / "missing.txt"], max_chars=10_000))
    errors = {str(i) for i in items if isinstance(i, InputError)}
    docs = [i for i in items if not isinstance(i, InputError)]
    assert sorted(d["id"] for d in docs) == ["good", "ok"]
    assert any("binary.txt" in e and "binary" in e for e in errors)
    assert any("empty.txt" in e and "empty" in e for e in errors)
    assert any("huge.txt" in e and "20,000 characters" in e for e in errors)
    assert any("docs.jsonl:2" in e and "malformed JSON" in e for e in errors)
    assert any("docs.jsonl:3" in e and "text" in e for e in errors)
    assert any("missing.txt" in e for e in errors)


def test_find_article_date_prefers_stamp_with_time():
    assert find_article_date("2020-07-14\n标题\n2016年02月26日 15时52分\n正文") == "2016-02-26"
    assert find_article_date("标题\n23.04.2017  20:23\n正文") == "2017-04-23"
    assert find_article_date("http://x (2017-03-14 07:18:00) 来源") == "2017-03-14"
    assert find_article_date("没有日期的文本") is None
