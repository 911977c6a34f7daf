import pytest

from fupin.values import parse_quantity

# SCHEMA section 2, every row, then phrasing from the seeds and the genre
CASES = [
    ("70个贫困村", "VILLAGE_COUNT", 70, "村", "="),
    ("5个贫困县", "COUNTY_COUNT", 5, "县", "="),
    ("2.6万余贫困人口", "POPULATION", 26000, "人", ">"),
    ("8000多万人", "POPULATION", 80000000, "人", ">"),
    ("10萬貧困人口", "POPULATION", 100000, "人", "="),
    ("3.9万人次", "POPULATION", 39000, "人次", "="),
    ("1.24万户", "HOUSEHOLD_COUNT", 12400, "户", "="),
    ("15亿元", "MONEY", 1500000000, "元", "="),
    ("三分之二", "PERCENT", 66.67, "%", "="),
    ("一半以上", "PERCENT", 50, "%", ">="),
    ("约1300万人", "POPULATION", 13000000, "人", "~"),
    ("184公里", "QUANTITY", 184, "公里", "="),
    ("20万亩", "QUANTITY", 200000, "亩", "="),
    ("近2倍", "QUANTITY", 2, "倍", "~"),
    # more
    ("26093人", "POPULATION", 26093, "人", "="),
    ("8677户", "HOUSEHOLD_COUNT", 8677, "户", "="),
    ("2.52%", "PERCENT", 2.52, "%", "="),
    ("5012名贫困人口", "POPULATION", 5012, "人", "="),
    ("55户贫困户", "HOUSEHOLD_COUNT", 55, "户", "="),
    ("4.09万人", "POPULATION", 40900, "人", "="),
    ("4200元", "MONEY", 4200, "元", "="),
    ("20万元以上", "MONEY", 200000, "元", ">="),
    ("超过5万元", "MONEY", 50000, "元", ">"),
    ("100%", "PERCENT", 100, "%", "="),
    ("24600套", "QUANTITY", 24600, "套", "="),
    ("206个", "QUANTITY", 206, "个", "="),
    ("75380千瓦", "QUANTITY", 75380, "千瓦", "="),
    ("301个", "VILLAGE_COUNT", 301, "村", "="),
    ("3.44万名", "POPULATION", 34400, "人", "="),
    ("9815名贫困学生", "POPULATION", 9815, "人", "="),
    ("8.3万建档立卡贫困人口", "POPULATION", 83000, "人", "="),
    ("19个国定贫困县", "COUNTY_COUNT", 19, "县", "="),
    ("1500个重点贫困村", "VILLAGE_COUNT", 1500, "村", "="),
    ("5个百分点", "PERCENT", 5, "%", "="),
    ("1.4個百分點", "PERCENT", 1.4, "%", "="),
    ("低于3%", "PERCENT", 3, "%", "<"),
    ("不足3%", "PERCENT", 3, "%", "<"),
    ("1-2个", "QUANTITY", 2, "个", "<="),
    ("35001-70000元", "MONEY", 70000, "元", "<="),
    ("两成", "PERCENT", 20, "%", "="),
    ("三成以上", "PERCENT", 30, "%", ">="),
    ("三分之二以上", "PERCENT", 66.67, "%", ">="),
    ("1000萬以上", "POPULATION", 10000000, "人", ">="),
    ("1289萬人", "POPULATION", 12890000, "人", "="),
    ("6853万人", "POPULATION", 68530000, "人", "="),
    ("三个贫困县", "COUNTY_COUNT", 3, "县", "="),
    ("两个深度贫困县", "COUNTY_COUNT", 2, "县", "="),
    ("２０万元", "MONEY", 200000, "元", "="),
    ("1,289万人", "POPULATION", 12890000, "人", "="),
    ("3000余户", "HOUSEHOLD_COUNT", 3000, "户", ">"),
    ("十个", "QUANTITY", 10, "个", "="),
    ("2.3万千瓦", "QUANTITY", 23000, "千瓦", "="),
    ("逾百万人", "POPULATION", 1000000, "人", ">"),
    ("将近一千人", "POPULATION", 1000, "人", "~"),
    ("10亿元左右", "MONEY", 1000000000, "元", "~"),
    ("不少于5000元", "MONEY", 5000, "元", ">="),
    ("不超过3万元", "MONEY", 30000, "元", "<="),
    ("5万元以下", "MONEY", 50000, "元", "<="),
    ("至少1人", "POPULATION", 1, "人", ">="),
    ("3.2万平方米", "QUANTITY", 32000, "平方米", "="),
    ("1200所", "QUANTITY", 1200, "所", "="),
    ("40座", "QUANTITY", 40, "座", "="),
    ("265個貧困村", "VILLAGE_COUNT", 265, "村", "="),
    ("13个县", "COUNTY_COUNT", 13, "县", "="),
    ("832个贫困县", "COUNTY_COUNT", 832, "县", "="),
    ("9971人", "POPULATION", 9971, "人", "="),
    ("147个村", "VILLAGE_COUNT", 147, "村", "="),
    ("3.1%", "PERCENT", 3.1, "%", "="),
    ("0.69亿元", "MONEY", 69000000, "元", "="),
    ("一千二百万元", "MONEY", 12000000, "元", "="),
    ("3481个", "QUANTITY", 3481, "个", "="),
    ("98.5%以上", "PERCENT", 98.5, "%", ">="),
    ("约5万户", "HOUSEHOLD_COUNT", 50000, "户", "~"),
    ("1.5万贫困人口", "POPULATION", 15000, "人", "="),
    ("2000万元", "MONEY", 20000000, "元", "="),
    ("25.3万人次", "POPULATION", 253000, "人次", "="),
    ("超98亿元", "MONEY", 9800000000, "元", ">"),
    ("3倍多", "QUANTITY", 3, "倍", ">"),
    ("1元多", "MONEY", 1, "元", ">"),
    ("1亿左右贫困人口", "POPULATION", 100000000, "人", "~"),
    ("100万以上农村贫困人口", "POPULATION", 1000000, "人", ">="),
    # a classifier between the count and its qualifier
    ("300个左右贫困县", "COUNTY_COUNT", 300, "县", "~"),
    ("1000个以上贫困村", "VILLAGE_COUNT", 1000, "村", ">="),
    ("2000名以上贫困群众", "POPULATION", 2000, "人", ">="),
    ("5个以上", "QUANTITY", 5, "个", ">="),
    # a share written with a slash
    ("近1/5", "PERCENT", 20, "%", "~"),
    ("2/3以上", "PERCENT", 66.67, "%", ">="),
    # Chinese numerals with 万/亿 inside
    ("一万二千元", "MONEY", 12000, "元", "="),
    ("一亿二千万元", "MONEY", 120000000, "元", "="),
    # a magnitude with no digits before it
    ("近萬人", "POPULATION", 10000, "人", "~"),
    ("逾千亿", "MONEY", 100000000000, "元", ">"),
]


@pytest.mark.parametrize("text,label,value,unit,qualifier", CASES)
def test_parse_quantity(text, label, value, unit, qualifier):
    parsed = parse_quantity(text, label).as_dict()
    assert parsed == {"value": value, "unit": unit, "qualifier": qualifier}


def test_unreadable_returns_none():
    assert parse_quantity("若干", "QUANTITY") is None
