"""Administrative-division gazetteer for the REGION rules.

Names come from the adcode table shipped inside the ``cpca`` package (all
province-, prefecture- and county-level divisions). Each full name is kept,
and short forms are added where they are safe: provinces and prefectures
without their suffix (四川, 攀枝花), autonomous areas as commonly written
(阿坝州, 凉山州). County short forms are left out: many are ordinary words
(南部, 城关). Deictic references (全市, 我县, 该县 ...) come from SCHEMA.
"""
from __future__ import annotations

import csv
import functools
import importlib.util
import os
import re
from typing import Dict

DEICTIC_REGIONS = tuple(
    """全国 全省 全市 全州 全县 全区 全乡 全镇 全村 全盟 全旗 全疆 全川 全藏 我国 我省 我市 我州 我县 我区 我镇 我乡
    我村 中国 该县 该市 该州 该省 该区 该镇 该乡 该村 全自治区 本市 本县 本省 全地区""".split()
)

_PROVINCE_SUFFIX = re.compile(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$")
# short forms that are ordinary words or collide with other names
_UNSAFE_SHORT = frozenset("""南部 城关 新城 开发 白云 和平 长安 红旗 永和 东方 平安 和田 普通 海南 北京 天津 上海 重庆
    吉林 河西 东区 西区 中山 朝阳 宝山 金山 普陀 青山 铁山 永安 安顺 长春 太平 民和""".split())


@functools.lru_cache(maxsize=1)
def county_short_forms() -> Dict[str, str]:
    """Map a county-level full name to its short form (会泽县 -> 会泽, 酉阳土家族苗族自治县 -> 酉阳).

    Short forms are not region names on their own (南部, 城关 are words), but once an
    article has named the county in full, its short form refers to it (the rules use
    them per document).
    """
    ethnic = _ethnic_autonomy_re()
    short: Dict[str, str] = {}
    for name, level in region_names().items():
        if level != "county":
            continue
        m = ethnic.match(name)
        base = m.group(1) if m else re.sub(r"(县|市|区|旗|特区|林区)$", "", name)
        if len(base) >= 2 and base != name and base not in _UNSAFE_SHORT:
            short[name] = base
    return short


@functools.lru_cache(maxsize=1)
def _ethnic_autonomy_re() -> "re.Pattern[str]":
    with open(os.path.join(_resources(), "56_nations.csv"), encoding="utf-8") as f:
        nations = [line.strip() for line in f if line.strip()]
    # 阿坝藏族羌族自治州 -> base 阿坝, suffix 州; the short name drops 族 as well
    return re.compile(r"^(.+?)(?:" + "|".join(sorted(nations, key=len, reverse=True)) + r"|族)+自治(州|县|旗)$")


def _resources() -> str:
    # the adcode table ships inside the cpca package; locate it without
    # importing cpca (its import pulls pkg_resources, gone from new setuptools)
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the cpca package (which ships the gazetteer) is not installed")
    return os.path.join(list(spec.submodule_search_locations)[0], "resources")


@functools.lru_cache(maxsize=1)
def region_names() -> Dict[str, str]:
    """Map every region surface form to its level (province, prefecture, county)."""
    ethnic_autonomy = _ethnic_autonomy_re()
    path = os.path.join(_resources(), "adcodes.csv")
    names: Dict[str, str] = {}
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code, name = row["adcode"], row["name"].strip()
            if not name or name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
                continue
            level = "province" if code[2:] == "0" * 10 else "prefecture" if code[4:] == "0" * 8 else "county"
            names.setdefault(name, level)
            m = ethnic_autonomy.match(name)
            if m:
                base, suffix = m.groups()
                names.setdefault(base + suffix, level)
                if level != "county" and len(base) >= 2 and base not in _UNSAFE_SHORT:
                    names.setdefault(base, level)
            if level == "province":
                short = _PROVINCE_SUFFIX.sub("", name)
                if len(short) >= 2:
                    names.setdefault(short, level)
            elif level == "prefecture" and not m:
                short = re.sub(r"(市|地区|盟|州)$", "", name)
                if len(short) >= 2 and short not in _UNSAFE_SHORT:
                    names.setdefault(short, level)
    for short in ("北京", "天津", "上海", "重庆"):
        names[short] = "province"
    for word in DEICTIC_REGIONS:
        names[word] = "deictic"
    return names
