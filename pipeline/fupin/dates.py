"""Dates of DEADLINE and DATE spans, resolved against the article date.

SCHEMA section 2: a time expression normalises to the last day it covers
(到2018年底 -> 2018-12-31; 今明两年 in a 2017 article -> 2018-12-31;
“十三五”期间 -> 2020-12-31); 以来 periods (今年以来, 党的十八大以来) run up to
the article and take its date. Without an article date, relative expressions
get no date.

dateparser handles neither these Chinese relative and period expressions nor
the "last day covered" rule, so this module is written for them.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Optional, Tuple

from .textnorm import to_simplified
from .values import parse_number

ArticleDate = Tuple[Optional[int], Optional[int], Optional[int]]

FIVE_YEAR_PLANS = {"十一五": 2010, "十二五": 2015, "十三五": 2020, "十四五": 2025}
CN_YEAR_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
QUARTER_END = {"一": 3, "1": 3, "二": 6, "2": 6, "三": 9, "3": 9, "四": 12, "4": 12}

_NUM = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
YEAR = r"(?P<year>\d{4}|[〇零一二三四五六七八九]{4})年?"
_PREFIX = re.compile(r"^(?:截至到|截止到|截至|截止|到|至|在|于|从)")
_SUFFIX = re.compile(r"(?:上午|下午|晚上|晚|凌晨|中午|早上)$")

FULL_STAMP_RE = re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})")
DMY_RE = re.compile(r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})")
YMD_RE = re.compile(
    r"(?:(?P<y>\d{4})年)?(?P<m>" + _NUM + r")(?:月份?)?(?:[-~—至到](?P<m2>" + _NUM + r")月份?)?"
    r"(?:(?P<d>" + _NUM + r")[日号])?"
)


def parse_article_date(value: Optional[str]) -> ArticleDate:
    """Split an ISO (partial) article date into (year, month, day)."""
    if not value:
        return (None, None, None)
    parts = [int(p) for p in re.findall(r"\d+", str(value))[:3]]
    parts += [None] * (3 - len(parts))
    return tuple(parts)  # type: ignore[return-value]


def before_article(date: Optional[str], article_date: Optional[str]) -> bool:
    """Whether an ISO date lies wholly before the article's (partial) date:
    before its first day, so 2018-03-05 is not before an article dated 2018-03."""
    year, month, day = parse_article_date(article_date)
    if not date or year is None:
        return False
    first = dt.date(year, month or 1, day or 1).isoformat()
    return date < first


def _last_day(year: int, month: Optional[int] = None, day: Optional[int] = None) -> Optional[str]:
    try:
        if month is None:
            return dt.date(year, 12, 31).isoformat()
        if day is None:
            day = calendar.monthrange(year, month)[1]
        return dt.date(year, month, day).isoformat()
    except (ValueError, TypeError):
        return None


def _article_iso(article: ArticleDate) -> Optional[str]:
    year, month, day = article
    if year is None:
        return None
    return _last_day(year, month, day)


def _int(text: Optional[str]) -> Optional[int]:
    if text is None:
        return None
    n = parse_number(text)
    return int(n) if n is not None else None


def resolve_date(text: str, article_date: Optional[str], sentence_year: Optional[int] = None) -> Optional[str]:
    """Resolve a time expression to the ISO date of the last day it covers.

    text (str): the span text, e.g. "到2018年底", "今明两年", "2月25日上午".
    article_date (str | None): the article's ISO (partial) date.
    sentence_year (int | None): a year the sentence names before the span;
        全年/当年/年底 resolve to it (SCHEMA v1.1), other expressions ignore it.
    RETURNS (str | None): an ISO date, or None when it cannot be resolved.
    """
    article = parse_article_date(article_date)
    year_now = article[0]
    if sentence_year is not None and re.match(r"^(?:全年|当年|年底|年末|年内)", to_simplified(text)):
        article = (sentence_year, None, None)
        year_now = sentence_year
    t = to_simplified(text).replace(" ", "").replace("“", "").replace("”", "").replace('"', "")
    t = _PREFIX.sub("", t)
    t = _SUFFIX.sub("", t)

    # periods that run up to the article: 今年以来, 2016年以来, 党的十八大以来, 过去5年, 改革开放至今
    if t.endswith(("以来", "年来", "至今")) or t.startswith("过去") or t.startswith("近") and t.endswith("年"):
        return _article_iso(article)

    # a duration from the article: 5年内, 三年内 (a target within N years)
    m = re.fullmatch(r"([\d一二两三四五六七八九十]+)年(?:内|以内|之内)", t)
    if m:
        n = _int(m.group(1))
        return _last_day(year_now + n) if year_now is not None and n is not None else None

    for plan, end_year in FIVE_YEAR_PLANS.items():
        if plan in t:
            return _last_day(end_year)

    m = FULL_STAMP_RE.search(t)
    if m:
        return _last_day(int(m.group("y")), int(m.group("m")), int(m.group("d")))
    m = DMY_RE.search(t)
    if m:
        return _last_day(int(m.group("y")), int(m.group("m")), int(m.group("d")))

    # days relative to a full article date: 今日, 昨天, 今起 (from today)
    m = re.match(r"^(今日|今天|今起|即日起|昨日|昨天|前天)", t)
    if m:
        if None in article:
            return None
        delta = {"今日": 0, "今天": 0, "今起": 0, "即日起": 0, "昨日": 1, "昨天": 1, "前天": 2}[m.group(1)]
        return (dt.date(*article) - dt.timedelta(days=delta)).isoformat()  # type: ignore[arg-type]

    # N years before the article: 五年前, 两年前 (the whole of that year)
    m = re.fullmatch(r"(\d{1,2}|[一二两三四五六七八九十]+)年(?:前|以前|之前)", t)
    if m:
        n = _int(m.group(1))
        return _last_day(year_now - n) if year_now is not None and n is not None else None

    relative = _relative_year(t, year_now)
    if relative is not None:
        year, rest = relative
        if year is None:
            return None
        return _within_year(year, rest, article)

    m = re.match(r"(?P<year>\d{4}|[〇零一二三四五六七八九]{4})年", t)
    if m:
        year = int(m.group("year").translate(CN_YEAR_DIGITS))
        return _within_year(year, t[m.end():], article)
    # no year written: month/day in the article's year
    if year_now is None:
        return None
    return _within_year(year_now, t, article)


def _relative_year(t: str, year_now: Optional[int]):
    """Years named relative to the article: (year, remaining text) or None."""
    table = [
        ("今明两年", 1), ("今后两年", 1), ("今明年", 1), ("今年", 0), ("本年度", 0), ("本年", 0),
        ("年内", 0), ("当年", 0), ("全年", 0), ("年底", 0), ("年末", 0), ("去年", -1),
        ("上年", -1), ("上一年", -1), ("前两年", -1), ("前年", -2), ("明年", 1), ("后年", 2),
    ]
    for word, delta in table:
        if t.startswith(word):
            if year_now is None:
                return (None, "")
            rest = t[len(word):]
            if word in ("年底", "年末"):
                rest = ""
            return (year_now + delta, rest)
    return None


def _within_year(year: int, rest: str, article: ArticleDate) -> Optional[str]:
    """Resolve what follows the year: 底, 初, 上半年, 一季度, 6月底, 1-9月, 2月25日."""
    if rest in ("初", "年初"):
        return _last_day(year, 1)  # the start of a year covers its first month (2014年初 -> 2014-01-31)
    rest = re.sub(r"(?:底|末|初|前|以前|之前|期间|时期|以后|中)+$", "", rest)
    rest = rest.rstrip("份")
    # a day range keeps its last day: 11月27日至28日, 9月9日—9月15日, 10月1日至12月31日
    rest = re.sub(r"(\d{1,2})[日号][-~—至到](\d{1,2})[日号]$", r"\2日", rest)
    rest = re.sub(r"^\d{1,2}月\d{1,2}[日号][-~—至到](\d{1,2}月\d{1,2})[日号]$", r"\1日", rest)
    # a bare day is in the article's month: 5日
    m = re.fullmatch(r"(\d{1,2})[日号]", rest)
    if m:
        return _last_day(year, article[1], int(m.group(1))) if article[1] else None
    if not rest or rest in ("度", "年"):
        return _last_day(year)
    if rest.startswith("上半年"):
        return _last_day(year, 6)
    if rest.startswith("下半年"):
        return _last_day(year)
    m = re.match(r"第?([一二三四1234])季度", rest)
    if m:
        return _last_day(year, QUARTER_END[m.group(1)])
    m = re.match(r"前([一二三四1234])季度", rest)
    if m:
        return _last_day(year, QUARTER_END[m.group(1)])
    # a range into a later year keeps its end: 2018年12月至2019年1月, 2018年10月-2019年6月
    m = re.search(r"(?:[-~—至到])(\d{4})年(?:(\d{1,2})月)?", rest)
    if m:
        return _last_day(int(m.group(1)), _int(m.group(2)))
    m = YMD_RE.match(rest)
    if m and (m.group("m") or m.group("d")):
        month = _int(m.group("m2")) or _int(m.group("m"))
        day = _int(m.group("d")) if not m.group("m2") else None
        if month and 1 <= month <= 12:
            return _last_day(year, month, day)
    return _last_day(year)
