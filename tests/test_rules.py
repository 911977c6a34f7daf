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


def test_names_that_enumerate_a_counted_set_are_not_marked():
    regions = lambda text: [t for t, label in spans_of(text) if label == "REGION"]  # noqa: E731
    # a count after the list, or heading it (prefecture+county chains are one item each)
    assert regions("省政府批准印台区、耀州区等29个县退出。") == []
    assert regions("10个国家贫困县:\n绵阳市北川县,\n南充市嘉陵区,\n巴中市巴州区。") == []
    assert regions("南充4个国家级贫困县(阆中市、南部县、仪陇县、嘉陵区)全部退出。") == ["南充"]
    assert regions("批准嵩县等14个县退出。") == []  # SCHEMA's own case: 印台区等「29个」
    # a list with no count is marked, and a deictic area is no list item
    assert regions("北京、天津、上海等地已基本不存在贫困。") == ["北京", "天津", "上海"]
    assert regions("覆盖率最高的是西藏,全区74个县都是贫困县。") == ["西藏", "全区"]
    # a count heading the list with 的; a name no gazetteer knows inside the list
    assert regions("全省剩余9个未摘帽的紫云县、纳雍县、威宁县全部退出。") == ["全省"]
    assert regions("批准那曲市色尼区、巴青县、尼玛县、双湖县共4个县(区)退出。") == []


def test_enumerated_regions_on_names_a_model_cut_short():
    from fupin.rules import enumerated_regions

    # a predicted 龙胜 stops short of 各族自治县 before 等14个; 黑水 was not predicted
    assert enumerated_regions("龙胜各族自治县等14个贫困县", [(0, 2)]) == {0}
    assert enumerated_regions("壤塘、黑水、阿坝3县", [(0, 2), (6, 8)]) == {0, 1}
    assert enumerated_regions("龙胜各族自治县近日摘帽", [(0, 2)]) == set()


def test_names_inside_titles_and_longer_names_are_not_marked():
    from fupin.rules import title_ranges

    text = "印发《临夏州脱贫攻坚实施方案》,对38个村挂牌督战。"
    assert spans_of(text) == [("38个村", "VILLAGE_COUNT")]
    assert title_ranges(text) == [(2, 15)]
    regions = lambda text: [t for t, label in spans_of(text) if label == "REGION"]  # noqa: E731
    assert regions("经全国扶贫开发信息系统数据比对,全省贫困发生率降至1%。") == ["全省"]
    assert regions("中国人民大学中国扶贫研究院院长说,中国人口最多的省份。") == ["中国"]
    assert regions("中国—东盟博览会在南宁举办。") == ["南宁"]
    assert regions("有多少中国人成功脱贫。") == []
    assert regions("共有贫困县42个,其中国家扶贫开发重点县15个。") == []
    found, unmarked = RuleRecognizer().analyse("印发《临夏州方案》;中国扶贫研究院")
    assert found == [] and unmarked == [(2, 9, "TITLE"), (10, 12, "NAME")]


def test_bare_amounts_of_people_and_nouns_after_a_qualifier():
    found = spans_of("全国农村贫困人口减少1240万,建档立卡贫困人口由14.63万下降到7.89万人;"
                     "预计115万以上贫困人口脱贫、1400个以上贫困村出列;总投资12万。")
    assert ("1240万", "POPULATION") in found and ("14.63万", "POPULATION") in found
    assert ("115万以上贫困人口", "POPULATION") in found and ("1400个以上贫困村", "VILLAGE_COUNT") in found
    assert not any(text == "12万" for text, _label in found)  # no people named before it


def test_what_a_count_counts():
    found = spans_of("重庆市14个国家扶贫开发工作重点区县全部摘帽,北川县等15个2017年拟摘帽贫困县公示,"
                     "河北、陕西等8个省市的贫困县全部摘帽,共带动17.04万个贫困家庭增收;没有贫困县的省份只有9个。")
    assert ("14个", "COUNTY_COUNT") in found and ("15个", "COUNTY_COUNT") in found
    assert ("8个", "QUANTITY") in found and ("9个", "QUANTITY") in found
    assert ("17.04万个", "HOUSEHOLD_COUNT") in found


def test_time_expressions_without_a_year_and_ranges():
    found = spans_of("截至9月底,全县减贫1万人;确保年底前全县20个贫困村出列。")
    assert ("截至9月底", "DATE") in found and ("年底前", "DEADLINE") in found
    found = spans_of("2018—2020年,全州计划搬迁2.5万户。过去五年,全省减贫300万人。")
    assert ("2018—2020年", "DEADLINE") in found and ("过去五年", "DATE") in found
    assert ("11月27日至28日", "DATE") in spans_of("会议11月27日至28日召开。")
    assert ("今年9月底前", "DEADLINE") in spans_of("今年9月底前,全区要完成搬迁1万人。")
    assert not [t for t, label in spans_of("每年底核查一次。") if label in ("DATE", "DEADLINE")]


def test_time_span_boundaries():
    times = lambda text: [(t, label) for t, label in spans_of(text) if label in ("DATE", "DEADLINE")]  # noqa: E731
    # the 到 of a verb of change is the verb's; 于 stays outside; 年度 and 至今 inside; 今起 is a time
    assert times("贫困人口减少到2018年底的71万人。")[0][0] == "2018年底"
    assert times("收入提高到2020年的1万元。")[0][0] == "2020年"
    assert times("到2020年底全部脱贫。")[0][0] == "到2020年底"
    assert times("会议于3月16日召开。")[0][0] == "3月16日"
    assert times("2017年度贫困县退出。")[0][0] == "2017年度"
    assert times("2014年至今,全州减贫35万人。")[0][0] == "2014年至今"
    assert times("15个贫困县今起公示。") == [("今起", "DATE")]


def test_lexicon_terms_the_annotators_do_not_mark_alone():
    found = spans_of("全县建成村级光伏扶贫电站30个,带动合作社12家。")
    assert ("光伏扶贫", "PROGRAM") in found
    assert not [t for t, label in found if label == "PROGRAM" and t != "光伏扶贫"]


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
