from fupin.docio import doc_to_record, new_doc
from fupin.rules import RuleRecognizer
from fupin.schema import validate_record


def spans_of(text):
    return [(text[s:e], label) for s, e, label in RuleRecognizer().find(text)]


def test_schema_examples():
    found = spans_of("到2018年底全市70个贫困村全部摘帽、2.6万余贫困人口全部脱贫的目标。")
    assert ("到2018年底", "DEADLINE") in found
    assert ("全市", "REGION") in found
    assert ("70个贫困村", "VILLAGE_COUNT") in found
    assert ("2.6万余贫困人口", "POPULATION") in found


def test_counted_noun_elsewhere_and_program_after_quantity():
    found = spans_of("贫困村由301个下降到238个,完成197户易地搬迁。")
    assert ("301个", "VILLAGE_COUNT") in found and ("238个", "VILLAGE_COUNT") in found
    assert ("197户", "HOUSEHOLD_COUNT") in found and ("易地搬迁", "PROGRAM") in found


def test_two_spans_household_population_and_date():
    found = spans_of("南部县2016年底贫困人口减至8677户26093人,贫困发生率降至2.52%。")
    assert found == [("南部县", "REGION"), ("2016年底", "DATE"), ("8677户", "HOUSEHOLD_COUNT"),
                     ("26093人", "POPULATION"), ("2.52%", "PERCENT")]


def test_organisations_and_ordinals_are_not_entities():
    found = spans_of("市委、县政府召开会议,一要抓好4G网络建设,第三是落实十九大精神。")
    assert found == []


def test_autonomous_region_names_and_their_offices():
    # the full name is a region; with an office word after it, it names an organisation
    assert spans_of("西藏自治区74个县全部脱贫摘帽。")[0] == ("西藏自治区", "REGION")
    assert ("广西壮族自治区", "REGION") in spans_of("2019年广西壮族自治区减贫116万人。")
    assert spans_of("宁夏回族自治区扶贫办主任说") == []
    assert spans_of("内蒙古自治区政府新闻办") == []


def test_named_towns_and_villages():
    found = spans_of("茅坪乡神山村2016年率先脱贫，华蓥市禄市镇建成扶贫车间3个。")
    assert ("茅坪乡", "REGION") in found and ("神山村", "REGION") in found
    assert ("华蓥市", "REGION") in found and ("禄市镇", "REGION") in found
    # common words ending in 村 are not village names
    found = spans_of("全县行政村和贫困村实现通村公路全覆盖，村委会逐村逐户核查。")
    assert [t for t, label in found if label == "REGION"] == ["全县"]


def test_county_short_form_after_its_full_name():
    found = spans_of("酉阳土家族苗族自治县今年脱贫。酉阳共投入资金3亿元。")
    assert ("酉阳", "REGION") in found
    # not without the full name: many short forms are ordinary words
    assert ("酉阳", "REGION") not in spans_of("酉阳共投入资金3亿元。")


def test_rules_pipeline_end_to_end(rules_nlp):
    record = {"id": "t", "text": "2018年,全縣(xiàn)計劃實現1.5萬貧困人口脫貧、11個貧困村出列。",
              "meta": {"date": "2018-01-05"}}
    doc, aligned = new_doc(rules_nlp, record)
    out = doc_to_record(rules_nlp(doc), aligned, record)
    assert validate_record(out) == []
    by_text = {s["text"]: s for s in out["spans"]}
    assert by_text["全縣(xiàn)"]["label"] == "REGION"
    assert by_text["1.5萬貧困人口"]["value"] == 15000
    assert by_text["2018年"]["date"] == "2018-12-31"
    heads = {(out["spans"][r["head"]]["text"], r["label"]) for r in out["relations"]}
    assert ("11個貧困村", "IN_REGION") in heads and ("11個貧困村", "HAS_DEADLINE") in heads
    assert ("1.5萬貧困人口", "HAS_DEADLINE") in heads
