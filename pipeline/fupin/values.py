"""Normalised values of quantity spans (SCHEMA section 2).

``parse_quantity("2.6万余贫困人口", "POPULATION")`` gives value 26000, unit 人
and qualifier ``>``. Arabic digits, Chinese numerals (through cn2an), 万/亿
multipliers, fractions (三分之二), 一半, 成 and 百分点 are understood. Text is
expected cleaned (simplified, half-width; see ``textnorm``), but traditional
and full-width input is converted first.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import cn2an

from .textnorm import to_simplified

CN_DIGITS = "零〇一二两三四五六七八九"
CN_NUM = "零〇一二两三四五六七八九十百千"
# prefix words -> qualifier, longest first
PREFIX_QUALIFIERS = [
    ("将近", "~"), ("大约", "~"), ("约", "~"), ("近", "~"), ("逾", ">"),
    ("超过", ">"), ("超", ">"), ("多于", ">"), ("高于", ">"), ("不少于", ">="), ("不低于", ">="),
    ("至少", ">="), ("不超过", "<="), ("不到", "<"), ("不足", "<"), ("低于", "<"),
    ("少于", "<"), ("达", "="),
]
SUFFIX_QUALIFIERS = [
    ("以上", ">="), ("以下", "<="), ("以内", "<="), ("左右", "~"), ("上下", "~"),
]
# classifiers that stand between a count and a suffix qualifier: 300个左右贫困县
COUNT_CLASSIFIERS = "个名户人家座"
MULTIPLIERS = {"万亿": 1e12, "千万": 1e7, "百万": 1e6, "十万": 1e5, "亿": 1e8, "万": 1e4}

NUMBER_RE = re.compile(
    # a Chinese numeral may hold 万/亿 inside it (一万二千, 三万五千): read it whole
    r"(?P<num>\d+(?:,\d{3})*(?:\.\d+)?|[" + CN_NUM + r"]+(?:[万亿][" + CN_NUM + r"]+)+(?:万|亿)?|[" + CN_NUM + r"]+(?:点[" + CN_DIGITS + r"]+)?)"
    r"(?:(?P<range>[-~—–至到])(?P<num2>\d+(?:,\d{3})*(?:\.\d+)?|[" + CN_NUM + r"]+))?"
    r"(?P<approx1>余|多)?"
    r"(?P<mult>万亿|千万|百万|亿|万)?"
    r"(?P<approx2>余|多)?"
)
FRACTION_RE = re.compile(r"(?P<den>[\d" + CN_NUM + r"]+)分之(?P<num>[\d" + CN_NUM + r"]+(?:点[" + CN_DIGITS + r"]+)?)")
SLASH_FRACTION_RE = re.compile(r"^(?P<num>\d+)/(?P<den>\d+)")  # 1/5, 2/3 (as a share)

# written units of QUANTITY spans, longest first so 万千瓦 beats 千瓦
QUANTITY_UNITS = sorted(
    """公里 千米 平方公里 平方米 米 亩 公顷 套 千瓦时 千瓦 兆瓦 瓦 座 所 处 间 栋 个 家 项 批 台 吨 头 只 株 棵 倍
    次 场 期 度 条 口 眼 张 辆 部 册 本 篇 斤 公斤 千克 立方米 方 孔 户 人 名 元 支 片 盏 根 块 辆 网点 站""".split(),
    key=len, reverse=True,
)


@dataclass
class QuantityValue:
    value: float
    unit: str
    qualifier: str

    def as_dict(self) -> dict:
        value = self.value
        if float(value).is_integer():
            value = int(value)
        return {"value": value, "unit": self.unit, "qualifier": self.qualifier}


def parse_number(text: str) -> Optional[float]:
    """A plain number in Arabic or Chinese numerals ("2.6", "三千二百", "两")."""
    text = text.replace(",", "")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    if text[0] in "百千":  # 百万 is 一百万
        text = "一" + text
    try:
        return float(cn2an.cn2an(text, "smart"))
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def _strip_qualifiers(text: str):
    qualifier = None
    for word, q in PREFIX_QUALIFIERS:
        if text.startswith(word):
            text = text[len(word):]
            qualifier = q if q != "=" else None
            break
    for word, q in SUFFIX_QUALIFIERS:
        if text.endswith(word):
            text = text[: -len(word)]
            qualifier = qualifier or q
            break
    return text, qualifier


def _round(value: float) -> float:
    return round(value, 2) if not float(value).is_integer() else value


def parse_quantity(text: str, label: str) -> Optional[QuantityValue]:
    """Normalise the text of a quantity span with its label.

    text (str): the span text, e.g. "2.6万余贫困人口".
    label (str): one of the SCHEMA quantity labels.
    RETURNS (QuantityValue | None): None when no number can be read.
    """
    text = to_simplified(text).replace(" ", "")
    text = text.replace("％", "%")
    body, qualifier = _strip_qualifiers(text)

    if label == "PERCENT":
        special = _parse_percent_words(body)
        if special is not None:
            return QuantityValue(_round(special), "%", qualifier or "=")

    if body[:1] in "万亿":
        body = "一" + body  # 近万人: a multiplier with no number before it counts one (千亿 already reads as 一千亿)
    m = NUMBER_RE.search(body)
    if not m or m.group("num") in ("", None):
        return None
    value = parse_number(m.group("num"))
    if m.group("num2"):
        upper = parse_number(m.group("num2"))
        if upper is not None:
            value = upper
            qualifier = qualifier or "<="
    if value is None:
        return None
    mult = m.group("mult")
    if mult:
        value *= MULTIPLIERS[mult]
    if m.group("approx1") or m.group("approx2"):
        qualifier = qualifier or ">"
    rest = body[m.end():]
    if rest.endswith(("多", "余")):  # 3倍多, 1元多
        qualifier = qualifier or ">"
    for word, q in SUFFIX_QUALIFIERS:  # 1亿左右贫困人口, 100万以上农村贫困人口, 300个左右贫困县
        if rest.startswith(word) or rest[1:].startswith(word) and rest[:1] in COUNT_CLASSIFIERS:
            qualifier = qualifier or q
            rest = rest.replace(word, "", 1)
            break
    unit = _unit_for(label, rest)
    return QuantityValue(_round(value), unit, qualifier or "=")


def _parse_percent_words(body: str) -> Optional[float]:
    m = SLASH_FRACTION_RE.match(body)
    if m and not body[m.end():].startswith(("%", "万", "亿")):
        den, num = int(m.group("den")), int(m.group("num"))
        if den:
            return 100.0 * num / den
    m = FRACTION_RE.search(body)
    if m:
        den, num = parse_number(m.group("den")), parse_number(m.group("num"))
        if den and num is not None:
            return 100.0 * num / den
    if body.startswith("一半") or body == "半数" or body.startswith("半数"):
        return 50.0
    m = re.fullmatch(r"([" + CN_NUM + r"\d.]+)成", body)
    if m:
        n = parse_number(m.group(1))
        if n is not None:
            return n * 10.0
    return None


def _unit_for(label: str, rest: str) -> str:
    if label == "VILLAGE_COUNT":
        return "村"
    if label == "COUNTY_COUNT":
        return "县"
    if label == "POPULATION":
        return "人次" if "人次" in rest else "人"
    if label == "HOUSEHOLD_COUNT":
        return "户"
    if label == "MONEY":
        return "元"
    if label == "PERCENT":
        return "%"
    for unit in QUANTITY_UNITS:
        if rest.startswith(unit):
            return unit
    return rest[:1] or "个"
