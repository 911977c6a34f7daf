import pytest

from fupin.dates import resolve_date

CASES = [
    # SCHEMA section 2
    ("今年", "2017-05-01", "2017-12-31"),
    ("年内", "2017-05-01", "2017-12-31"),
    ("去年", "2017-05-01", "2016-12-31"),
    ("今明两年", "2017-05-01", "2018-12-31"),
    ("到2018年底", "2016-02-26", "2018-12-31"),
    ("2月25日", "2016-02-26", "2016-02-25"),
    ("十三五期间", "2016-02-26", "2020-12-31"),
    # more
    ("2018年底前", "2016-02-26", "2018-12-31"),
    ("2月25日上午", "2016-02-26", "2016-02-25"),
    ("“十三五”期间", None, "2020-12-31"),
    ("“十三五”时期", "2016", "2020-12-31"),
    ("今年以来", "2018-03-05", "2018-03-05"),
    ("2016年以来", "2018-03-05", "2018-03-05"),
    ("党的十八大以来", "2018-03-05", "2018-03-05"),
    ("过去5年", "2018-03-05", "2018-03-05"),
    ("2017年1-9月份", "2018", "2017-09-30"),
    ("2017年1月-10月", "2018", "2017-10-31"),
    ("2016年02月26日 15时52分", None, "2016-02-26"),
    ("2018-04-07 07:25", None, "2018-04-07"),
    ("(2017-03-14 07:18:00)", None, "2017-03-14"),
    ("23.04.2017  20:23", None, "2017-04-23"),
    ("上年末", "2018-03-05", "2017-12-31"),
    ("3月5日", "2018-03-05", "2018-03-05"),
    ("截至2015年底", None, "2015-12-31"),
    ("2020年前", None, "2020-12-31"),
    ("2018年6月底", None, "2018-06-30"),
    ("2019年上半年", None, "2019-06-30"),
    ("二〇一八年", None, "2018-12-31"),
    ("2017年末", "2018", "2017-12-31"),
    ("明年", "2019-06-01", "2020-12-31"),
    ("2016年", None, "2016-12-31"),
    ("到2020年", "2016-01-01", "2020-12-31"),
    ("2019年一季度", None, "2019-03-31"),
    ("截至2018年10月", None, "2018-10-31"),
    ("在2019年", None, "2019-12-31"),
    ("5年内", "2017-01-01", "2022-12-31"),
    ("2013年至2015年", None, "2015-12-31"),
    ("2018年12月至2019年1月", None, "2019-01-31"),  # a range into the next year ends there
    ("2018年10月-2019年6月", None, "2019-06-30"),
    ("今年", "2018", "2018-12-31"),
    ("2017年", "2018-03", "2017-12-31"),
    ("10月12日上午", "2017-10-12", "2017-10-12"),
    ("今起", "2019-04-02", "2019-04-02"),
    ("改革开放至今", "2018-12-18", "2018-12-18"),
    ("五年前", "2018-02-14", "2013-12-31"),
    ("2015年以前", None, "2015-12-31"),  # a year, not fifteen hundred years ago
    ("9月9日—9月15日", "2019-09-20", "2019-09-15"),
    ("10月1日至12月31日", "2019-09-20", "2019-12-31"),
]


@pytest.mark.parametrize("text,article,expected", CASES)
def test_resolve_date(text, article, expected):
    assert resolve_date(text, article) == expected


@pytest.mark.parametrize("text", ["今年", "去年", "今明两年", "今年以来", "2月25日"])
def test_relative_without_article_date(text):
    assert resolve_date(text, None) is None


def test_sentence_year_for_whole_year_words():
    assert resolve_date("全年", "2019-01-05", sentence_year=2018) == "2018-12-31"
    assert resolve_date("当年", "2019-01-05", sentence_year=2016) == "2016-12-31"
    assert resolve_date("今年", "2019-01-05", sentence_year=2016) == "2019-12-31"


def test_years_since_is_the_article_date():
    assert resolve_date("三年来", "2018-03-05") == "2018-03-05"


@pytest.mark.parametrize("text,article,expected", [
    ("5日", "2016-03-08", "2016-03-05"),
    ("11月27日至28日", "2019-12-01", "2019-11-28"),
    ("昨日", "2019-06-02", "2019-06-01"),
    ("今天", "2019-06-02", "2019-06-02"),
    ("昨日", "2019", None),
])
def test_days(text, article, expected):
    assert resolve_date(text, article) == expected


def test_before_article_compares_with_the_first_day_of_a_partial_date():
    from fupin.dates import before_article

    assert before_article("2018-12-31", "2019-01-26")
    assert not before_article("2018-03-05", "2018-03")  # within the article's month
    assert before_article("2018-02-28", "2018-03")
    assert not before_article("2018-12-31", None) and not before_article(None, "2019")


def test_normaliser_makes_a_past_deadline_a_date():
    import spacy

    from fupin.normalizer import Normalizer

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    text = "到2018年底,全县减贫1万人;到2020年底全部脱贫。"
    doc = nlp.make_doc(text)
    doc._.article_date = "2019-01-26"
    doc.ents = [doc.char_span(text.index(t), text.index(t) + len(t), label="DEADLINE") for t in ("到2018年底", "到2020年底")]
    Normalizer(nlp)(doc)
    assert [(e.text, e.label_, e._.date) for e in doc.ents] == [
        ("到2018年底", "DATE", "2018-12-31"), ("到2020年底", "DEADLINE", "2020-12-31")]


def test_normaliser_qualifies_the_two_ends_of_a_range():
    import spacy

    from fupin.normalizer import Normalizer

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    text = "贫困发生率在5%—10%之间;人口从625万人至71万人;补助1000元至2000元;发电13万-15万度;约有8万人。"
    doc = nlp.make_doc(text)
    doc.ents = [doc.char_span(text.index(t), text.index(t) + len(t), label=label)
                for t, label in (("5%", "PERCENT"), ("10%", "PERCENT"), ("625万人", "POPULATION"),
                                 ("71万人", "POPULATION"), ("1000元", "MONEY"), ("2000元", "MONEY"),
                                 ("15万度", "QUANTITY"), ("8万人", "POPULATION"))]
    Normalizer(nlp)(doc)
    # a range with one amount whose lower end is unmarked (SCHEMA's 1-2个); 约 before a verb
    assert [e._.qualifier for e in doc.ents] == [">=", "<=", "=", "=", ">=", "<=", "<=", "~"]
