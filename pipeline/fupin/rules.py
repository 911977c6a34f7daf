"""The rule layer: pattern-based recognition of all eleven SCHEMA labels.

``RuleRecognizer.find(text)`` returns non-overlapping (start, end, label)
character spans of a cleaned text (simplified, half-width; see ``textnorm``).
Quantities and times are regular expressions built around numbers, units and
counted nouns; regions come from the administrative gazetteer plus town and
township names; programs from the program lexicon. Regions and programs are
matched with one Aho-Corasick automaton each.

The same recogniser serves three purposes: ``fupin tag --rules``, the
pre-annotator for Label Studio rounds, and features for the trained model.
"""
from __future__ import annotations

import functools
import re
from typing import Iterable, List, Optional, Sequence, Set, Tuple

import ahocorasick
from spacy.language import Language
from spacy.util import filter_spans

from .extensions import doc_text
from .gazetteer import DEICTIC_REGIONS, county_short_forms, region_names
from .programs import NOT_MATCHED, NOT_PROGRAMS, PROGRAM_LEXICON
from .schema import sentence_bounds

Span = Tuple[int, int, str]

CN = "零〇一二两三四五六七八九十百千"
NUM = r"(?:\d+(?:,\d{3})*(?:\.\d+)?|[" + CN + r"]+(?:点[" + CN + r"]+)?)"
RANGE = NUM + r"(?:[-~—–至到]" + NUM + r")?"
PRE_Q = r"(?:将近|大约|约|近|逾|超过|超|不少于|不低于|至少|不超过|不到|不足|低于|高于|多于|少于)?"
MULT = r"(?:余|多)?(?:万亿|千万|百万|亿|万)?(?:余|多)?"
POST_Q = r"(?:以上|以下|以内|左右|多|余)?"

MOD = r"(?:建档立卡|农村|国定|省定|国家级|省级|深度|重点|国家扶贫开发工作重点|国家级扶贫开发重点)*"
VILLAGE_NOUN = MOD + r"(?:贫困村|村)"
COUNTY_NOUN = MOD + r"(?:贫困县|县)"
PERSON_NOUN = MOD + r"(?:贫困人口|人口|贫困群众|贫困学生|贫困劳动力)"
HOUSEHOLD_NOUN = MOD + r"(?:贫困户|农户)"

QUANTITY_UNITS = (
    "平方公里|万平方米|平方米|公里|千米|米|亩|公顷|套|千瓦时|千瓦|兆瓦|座|所|处|栋|家|项|台|吨|头|只|株|棵|倍|"
    "场|条|口|眼|辆|间|批|个|支|盏|立方米|人次|期|次"
)

QUANTITY_RE = re.compile(
    r"(?P<q>" + PRE_Q + r"(?P<n>" + RANGE + r")" + MULT + r")"
    r"(?:"
    r"(?P<pct>%|个百分点|百分点)"
    r"|(?P<money>(?:美元|元))"
    r"|(?P<household>户(?:" + HOUSEHOLD_NOUN + r")?)"
    r"|(?P<person>人次|人|名(?:" + PERSON_NOUN + r")?|(?:以上|左右)?" + PERSON_NOUN + r")"
    r"|(?P<ge>个)(?:(?:以上|左右)(?=" + VILLAGE_NOUN + r"|" + COUNTY_NOUN + r"))?"
    r"(?P<village>" + VILLAGE_NOUN + r")?(?P<county>" + COUNTY_NOUN + r")?"
    r"|(?P<village2>" + VILLAGE_NOUN + r")|(?P<county2>" + COUNTY_NOUN + r")"
    r"|(?P<unit>" + QUANTITY_UNITS + r")"
    r")(?P<post>" + POST_Q + r")"
)
# a bare 万/亿 amount with no unit or noun after it (end of clause, or a verb of change)
BARE_WAN_RE = re.compile(PRE_Q + NUM + r"(?:余|多)?(?:万|亿)(?:余|多)?" + POST_Q +
                         r"(?=[,，。；;、:：)）\s]|$|下降|减少|降至|减至|降到|减到|增加|增至)")
# the people a clause counts, before its bare amount, with no clause break between
# (a year may stand between: 贫困人口由2011年的14.63万下降到…)
_PEOPLE_BEFORE = re.compile(r"(?:贫困人口|人口|贫困群众|群众|劳动力)(?:[^,，。；;:：\d]|\d{4}年){0,10}$")
FRACTION_RE = re.compile(
    r"(?:[" + CN + r"\d]+分之[" + CN + r"\d]+|一半|半数|[一二两三四五六七八九]成)(?:以上|以下|左右)?"
)
# what follows a bare "N个" tells what it counts (when it is not a listed noun)
_AFTER_GE_VILLAGE = re.compile(r"^(?:行政村|自然村|贫困村|村)")
_AFTER_GE_COUNTY = re.compile(r"^(?:区县|县区|县市区|县\(市|县（市|贫困县|县)")
_AFTER_GE_HOUSEHOLD = re.compile(r"^(?:贫困家庭|家庭|贫困户|农户)")
# provinces are counted as such (8个省市, 7个省(区)), not by the counties a few words on
_COUNTED_AHEAD = re.compile(r"^(?![乡镇]|省(?:市|区|份|[(（、]))(?:[^\d，,。；;、()（）:：\s个]|\d{4}年){1,12}?"
                            r"(?:区县|市县|旗县|县区|县市|(县)|(?<!乡)(?<!镇)(村))(?![委级长城域])")
# the modifiers that belong to a relocation name before its lexicon term (高山生态|扶贫搬迁)
_RELOCATION_MODIFIERS = re.compile(r"(?:高山|避灾|生态|移民|扶贫)+$")
# (a count after 省份 counts provinces: 没有贫困县的省份只有9个)
_LOOKBACK_VILLAGE = re.compile(r"(?:贫困村|村)[^，,。；;省]{0,8}$")
_LOOKBACK_COUNTY = re.compile(r"(?:贫困县|县)[^，,。；;省]{0,8}$")

_Y = r"(?:\d{4}|[〇零一二三四五六七八九]{4})年"
_M = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
_N = r"(?:\d{1,2}|[一二两三四五六七八九十]{1,3})"
_REL_YEAR = r"(?:今年|去年|明年|前年|当年)"
TIME_RE = re.compile(
    r"(?P<pre>截至到|截止到|截至|截止|到|至|在)?"
    r"(?P<core>"
    r"\d{4}年\d{1,2}月\d{1,2}日\s*\d{1,2}[时:]\d{1,2}(?:分|:\d{2})?(?:\d{1,2}秒)?"
    r"|\d{4}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|\d{1,2}\.\d{1,2}\.\d{4}(?:\s+\d{1,2}:\d{2})?"
    r"|[“\"]?十[一二三四]五[”\"]?(?:期间|时期|末|初|以来)?"
    r"|(?:党的)?十[八九]大以来|过去" + _N + r"年|近\d+年|(?:连续)?" + _N + r"年来"
    r"|" + _Y + r"(?:至|到|-|—)" + _Y + r"|\d{4}[-—–~至到]" + _Y +
    r"|(?:" + _Y + r"|" + _REL_YEAR + r")(?:" + _M + r"(?:月份?)?[-—至到~]" + _M + r"月份?|" + _M + r"月(?:"
    + _M + r"[日号](?:[-—至到~]" + _M + r"[日号])?)?|上半年|下半年|第?[一二三四]季度|前[一二三]季度)?"
    r"|" + _M + r"(?:月份?)?[-—至到~]" + _M + r"月份?"
    r"|" + _M + r"月" + _M + r"[日号](?:[-—至到~]" + _M + r"[日号])?"
    r"|" + _M + r"月(?=底|末|初|上旬|中旬|下旬)"
    r"|今明两年|今后两年|年内|本年度|全年|上年末|上年底|上半年|下半年|(?<![每当])年底|(?<![每当])年末"
    r"|今日|今天|今起|昨日|昨天|(?<![\d月号日])\d{1,2}日"
    r")"
    r"(?P<post>(?<=年)度(?!的)|上旬|中旬|下旬|底|末|初|前|以前|之前|期间|时期|以来|至今|上午|下午|晚)*"
)
# a verb of change whose 到/至 is its own (下降到, 减少到, 增加到, 提高到), not the time's
_CHANGE_VERB_END = re.compile(r"(?:[降增减升至达提]|减少|增加|增长|提高|降低|上升|扩大|缩小)$")
# cues that make a time expression a target (DEADLINE) rather than a report (DATE)
PLAN_CUES = re.compile(r"要|将|确保|力争|计划|规划|准备|目标|任务|争取|预计|拟|必须|努力|实现.{0,12}(?:脱贫|摘帽|出列)|完成.{0,6}任务")
PAST_CUES = re.compile(r"已|累计|共|实现了|完成了|减少了|下降|降至|减至|达到|已经|先后|全年|当年|截至|以来")
VAGUE = frozenset("目前 当前 下一步 近年来 今后 近年".split())

ORG_SUFFIX = re.compile(
    r"^(?:委|政府|人大|政协|党委|代表团|会展|中心|日报|晚报|电视台|广播|扶贫办|扶贫开发办|财政|发改|人社|民政|教育局|"
    r"卫健|卫生|住建|交通|水利|林业|农业|统计局|大学|学院|医院|银行|公司|集团|电力|移动|联通|电信|分公司|"
    r"人民|法院|检察|公安|网|报|局|厅|部|办|站|队|团|馆|所|社|院|军区|籍)"
)
TOWN_RE = re.compile(r"(?<![\u4e00-\u9fff]{3})[\u4e00-\u9fff]{2,3}(?:镇|乡)(?![\u4e00-\u9fff]*(?:政府|党委|干部|卫生院|中心))")
_TOWN_STOP = re.compile(r"(?:贫困|城乡|全乡|全镇|乡镇|城镇|村镇|各乡|各镇|家乡|下乡|返乡|回乡|本乡|我镇|我乡|该镇|该乡|小镇|集镇|重镇|强镇|新镇|名镇|特色小镇|的)")
# after a short name: an office (宁夏回族自治区扶贫办, 四川省委); a bare 自治区 only
# completes the name (西藏自治区74个县), so it needs an office word after it
ORG_AFTER_SHORT = re.compile(r"^(?:省委|省政府|省人民政府|市委|市政府|市人民政府|县委|县政府|县人民政府|州委|州政府|区委|区政府|"
                             r"省扶贫|市扶贫|县扶贫|(?:回族|壮族|维吾尔)?自治区(?:扶贫|政府|人民|委|党))")
# between two list items: separators, after an item no gazetteer knows (壤塘、黑水、阿坝)
# or the county a predicted prefecture leaves unmarked (那曲市色尼区、巴青县)
_LIST_GAP = re.compile(r"(?:[\u4e00-\u9fff]{1,4}[县区市旗])?(?:[、,，|｜\s]{1,6}|和|及|与)|、[\u4e00-\u9fff]{2,4}、")
# an enumeration's count: after the list (等29个, 3县) or heading it (10个国家贫困县:)
_COUNT_NUM = r"[\d一二两三四五六七八九十]+"
_COUNT = _COUNT_NUM + r"(?:个|省|市|县|区|旗)"
# a predicted name cut short keeps its suffix outside (龙胜 in 龙胜各族自治县等14个)
_NAME_REST = r"(?:[\u4e00-\u9fff]{0,4}自治[县州旗]|[省市州县区旗盟])?"
_COUNT_TAIL = re.compile(_NAME_REST + r"(?:等|共)?" + _COUNT)
_COUNT_HEAD = re.compile(_COUNT_NUM + r"个[^,;:。()\n]{0,10}(?:[:(]|的)\s*$")
_ETC_COUNT = re.compile(_NAME_REST + r"等" + _COUNT)
_CHAIN_HEAD = re.compile(r"(?:市|州|盟|地区)$")
# a name that begins a longer name is no region (SCHEMA: organisation, venue and
# meeting names): an institution, system or meeting a few characters on
# (中国扶贫研究院, 全国扶贫开发信息系统, 全省脱贫攻坚工作会议), a compound (中国—东盟),
# a demonym (中国人), or 中国 across 其中国家. Measured on the gazetteer matches of
# round 0 / dev: gold marks 1 of 122 / 0 of 22 before such a head, 0 of 6 / 0 of 4
# compounds, 0 of 10 / 0 of 7 demonyms.
_NAME_HEAD = re.compile(r"^[\u4e00-\u9fff]{0,8}?(?:大学|学院|研究院|研究所|研究中心|新闻网|博览会|交易会|论坛|"
                        r"基金会|协会|学会|委员会|信息系统|两会|“两会”|会议|大会)")
_COMPOUND = re.compile(r"^[—－-][\u4e00-\u9fff]")
_DEMONYM = re.compile(r"^人(?![口均次民员])")
# SCHEMA: nothing inside a document title is marked; an unclosed 《 covers 20 characters
TITLE_RE = re.compile(r"《[^《》\n]*》|《[^《》\n]{0,20}")


def title_ranges(text: str) -> List[Tuple[int, int]]:
    """The (start, end) character ranges of the document titles 《…》 in ``text``."""
    return [m.span() for m in TITLE_RE.finditer(text)]


def within_any(ranges: Iterable[Tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) lies inside one of ``ranges`` (character or token offsets)."""
    return any(a <= start and end <= b for a, b in ranges)


@functools.lru_cache(maxsize=1)
def _region_automaton() -> ahocorasick.Automaton:
    auto = ahocorasick.Automaton()
    for name in region_names():
        auto.add_word(name, name)
    auto.make_automaton()
    return auto


@functools.lru_cache(maxsize=1)
def _program_automaton() -> ahocorasick.Automaton:
    auto = ahocorasick.Automaton()
    for term in PROGRAM_LEXICON:
        if term not in NOT_PROGRAMS and term not in NOT_MATCHED and len(term) >= 2:
            auto.add_word(term, term)
    auto.make_automaton()
    return auto


def _longest_non_overlapping(matches: Iterable[Span]) -> List[Span]:
    """Keep the longest matches, leftmost first among equals."""
    chosen: List[Span] = []
    taken = bytearray()
    for start, end, label in sorted(matches, key=lambda m: (-(m[1] - m[0]), m[0])):
        if len(taken) < end:
            taken.extend(b"\0" * (end - len(taken)))
        if any(taken[start:end]):
            continue
        taken[start:end] = b"\1" * (end - start)
        chosen.append((start, end, label))
    return sorted(chosen)


class RuleRecognizer:
    """Find SCHEMA entities in cleaned text with patterns and lexicons."""

    def find(self, text: str) -> List[Span]:
        """Return sorted, non-overlapping (start, end, label) spans."""
        return self.analyse(text)[0]

    def analyse(self, text: str) -> Tuple[List[Span], List[Span]]:
        """Find the spans, and the ranges SCHEMA leaves unmarked.

        RETURNS (Tuple[List[Span], List[Span]]): the sorted, non-overlapping
            spans ``find`` returns, and the unmarked ranges: document titles
            (label ``TITLE``, where no label is marked) and region names that
            begin an organisation, venue, meeting or system name, a compound or
            a demonym (label ``NAME``, where no region is marked). A trained
            model can use the second list to drop what it predicts there.
        """
        times = self._times(text)
        quantities = self._quantities(text, times)
        found = times + quantities
        found += self._programs(text)
        regions, names = self._regions_and_names(text)
        found += regions
        titles = title_ranges(text)
        found = [f for f in found if not within_any(titles, f[0], f[1])]
        unmarked = sorted([(s, e, "TITLE") for s, e in titles] + [(s, e, "NAME") for s, e in names])
        return _merge_by_priority(found), unmarked

    def candidates(self, text: str) -> List[Span]:
        """Every span a pattern or lexicon matched, before the filters that
        drop organisation names, enumerations and generic words, overlaps
        allowed: the candidate set a trained span classifier chooses from."""
        times = self._times(text)
        found = times + self._quantities(text, times) + self._programs(text, raw=True) + self._regions(text, raw=True)
        return sorted(set(found))

    # quantities -------------------------------------------------------
    def _quantities(self, text: str, times: List[Span]) -> List[Span]:
        out: List[Span] = []
        time_chars = set()
        for s, e, _ in times:
            time_chars.update(range(s, e))
        for m in QUANTITY_RE.finditer(text):
            start, end = m.start(), m.end()
            if start in time_chars:
                continue
            n = m.group("n")
            label = self._quantity_label(text, m)
            if label is None:
                continue
            if not re.search(r"\d", n):
                # Chinese numerals: skip "一个", "一户一策" and ordinal-like uses
                if n in ("一", "十") and label not in ("PERCENT",):
                    continue
                if start > 0 and text[start - 1] in "第每":
                    continue
                # 五次会议, 三个部分, 打好五场硬仗: a small count in words with a bare
                # classifier is rhetoric or a name (marked 3 times in 55 in round 0)
                if label == "QUANTITY" and len(n) <= 2 and m.group("q") == n:
                    continue
            if start > 0 and (text[start - 1].isdigit() or text[start - 1] in "第-"):
                continue
            out.append((start, m.end(), label))
        for m in FRACTION_RE.finditer(text):
            if m.start() not in time_chars:
                out.append((m.start(), m.end(), "PERCENT"))
        taken = {i for s, e, _label in out for i in range(s, e)}
        for m in BARE_WAN_RE.finditer(text):
            # 贫困人口减少「1240万」: a bare 万 amount of the people its clause names before it
            if m.start() in taken or m.start() in time_chars or (m.start() and text[m.start() - 1].isdigit()):
                continue
            if _PEOPLE_BEFORE.search(text, max(0, m.start() - 16), m.start()):
                out.append((m.start(), m.end(), "POPULATION"))
        return out

    @staticmethod
    def _quantity_label(text: str, m: re.Match) -> Optional[str]:
        if m.group("pct"):
            return "PERCENT"
        if m.group("money"):
            return "MONEY"
        if m.group("household"):
            return "HOUSEHOLD_COUNT"
        if m.group("person"):
            return "POPULATION"
        if m.group("village") or m.group("village2"):
            return "VILLAGE_COUNT"
        if m.group("county") or m.group("county2"):
            return "COUNTY_COUNT"
        if m.group("ge"):
            after = text[m.end("ge"):m.end("ge") + 12]
            if _AFTER_GE_VILLAGE.match(after):
                return "VILLAGE_COUNT"
            if _AFTER_GE_COUNTY.match(after):
                return "COUNTY_COUNT"
            if _AFTER_GE_HOUSEHOLD.match(after):
                return "HOUSEHOLD_COUNT"  # 17.04万个贫困家庭
            # the counted noun a few modifiers later: 9个未摘帽县, 58个国家片区贫困县
            ahead = _COUNTED_AHEAD.match(after)
            if ahead:
                return "VILLAGE_COUNT" if ahead.group(2) else "COUNTY_COUNT"
            if after[:1] in "，,。；;、" or not after or re.match(r"^(?:下降|减少|增加|全部|已|实现|脱贫|出列|摘帽|退出|达到|减至)", after):
                before = text[max(0, m.start() - 14):m.start()]
                if _LOOKBACK_VILLAGE.search(before):
                    return "VILLAGE_COUNT"
                if _LOOKBACK_COUNTY.search(before):
                    return "COUNTY_COUNT"
            return "QUANTITY"
        if m.group("unit"):
            if m.group("unit") == "人次":
                return "POPULATION"
            return "QUANTITY"
        return None

    # times ------------------------------------------------------------
    def _times(self, text: str) -> List[Span]:
        out: List[Span] = []
        for m in TIME_RE.finditer(text):
            start, end = m.start(), m.end()
            core = m.group("core")
            if core in VAGUE:
                continue
            # "下降到2016年底": the 到 belongs to the verb
            if m.group("pre") in ("到", "至") and start > 0 and _CHANGE_VERB_END.search(text, max(0, start - 2), start):
                start += len(m.group("pre"))
            # a number followed by 年 that is a duration or an ordinal is not a date
            if re.fullmatch(r"\d{1,3}年", core):
                continue
            after = text[end:end + 3]
            if re.match(r"^(?:级|届|版|度的|号)", after):
                continue
            label = self._time_label(text, start, end, m)
            out.append((start, end, label))
        return out

    @staticmethod
    def _time_label(text: str, start: int, end: int, m: re.Match) -> str:
        pre, post, core = m.group("pre") or "", m.group("post") or "", m.group("core")
        if text[start:start + len(pre)] != pre:  # the 到 went to the verb
            pre = ""
        if pre.startswith("截") or "以来" in post or core.endswith(("以来", "年来")) or core.startswith("过去"):
            return "DATE"
        if re.search(r"\d{1,2}[时:]\d{2}", core):
            return "DATE"
        if core in ("今明两年", "今后两年", "明年", "年内"):
            return "DEADLINE"
        if post.endswith(("前", "以前", "之前")):
            return "DEADLINE"
        # an event on a given day, or a state at a time (下降到2016年底的4.5%)
        if re.search(r"[日号]$", core) or text[end:end + 1] == "的":
            return "DATE"
        s, e = sentence_bounds(text, start, end)
        after = text[end:e]
        before = text[s:start]
        if PAST_CUES.search(after[:16]):
            return "DATE"
        if pre == "到" or PLAN_CUES.search(after[:16]) or re.search(r"(?:计划|目标|力争|确保|要)$", before[-4:]):
            return "DEADLINE"
        return "DATE"

    # context words ------------------------------------------------------
    def _programs(self, text: str, raw: bool = False) -> List[Span]:
        out: List[Span] = []
        for end_idx, term in _program_automaton().iter(text):
            start = end_idx - len(term) + 1
            end = end_idx + 1
            if not raw and term == "搬迁" and not re.search(r"\d+(?:\.\d+)?万?(?:户|人)", _sentence_text(text, start, end)):
                continue
            if not raw and term in ("产业", "教育", "健康", "医疗", "就业", "生态", "交通", "道路", "公路", "资助", "帮扶", "兜底", "信贷", "饮水", "水利", "通信", "宽带", "电网"):
                # short generic words only when they name an area of work in a list or before 扶贫
                nxt = text[end:end + 2]
                prv = text[start - 1:start] if start else ""
                if not (nxt[:1] in "、," or prv in "、" or nxt.startswith(("扶贫", "建设", "脱贫"))):
                    continue
            if not raw and term.endswith("搬迁"):
                # the modifiers of a relocation name belong to it (高山生态扶贫搬迁, 扶贫生态移民搬迁)
                mods = _RELOCATION_MODIFIERS.search(text, max(0, start - 8), start)
                if mods:
                    start = mods.start()
            out.append((start, end, "PROGRAM"))
        return out

    def _regions(self, text: str, raw: bool = False) -> List[Span]:
        return self._regions_and_names(text, raw)[0]

    def _regions_and_names(self, text: str, raw: bool = False) -> Tuple[List[Span], List[Tuple[int, int]]]:
        """The region spans, and the names that begin an organisation, venue,
        meeting or system name, a compound or a demonym (not those before an
        office word such as 县财政 or 省委: the trained model tells 该县财政拿出
        3000万元 from 四川省委 well enough on its own)."""
        found: List[Span] = []
        vetoed: List[Tuple[int, int]] = []
        names: List[Tuple[int, int]] = []
        for end_idx, name in _region_automaton().iter(text):
            start = end_idx - len(name) + 1
            end = end_idx + 1
            kind = None if raw else _begins_longer_name(text, start, end)
            if kind:
                vetoed.append((start, end))
                if kind == "name":
                    names.append((start, end))
                continue
            if len(name) == 2 and name[1] in "县区市旗" and name not in DEICTIC_REGIONS and start > 0 and _is_cjk(text[start - 1]) \
                    and text[start - 1] not in "市州省盟区县、和与及在从到对的":
                continue  # 示范县 is not 范县
            found.append((start, end, "REGION"))
        for m in TOWN_RE.finditer(text):
            if _TOWN_STOP.search(m.group(0)):
                continue
            if ORG_SUFFIX.match(text[m.end():m.end() + 4]):
                continue
            if _starts_region_name(text, m.end() - 1):
                continue  # 昭通市镇雄县, 关于镇雄等: the 镇 begins a name (镇雄), it ends no town
            start = m.start()
            if text[start] in "省市州县区旗" and m.end() - start > 3:
                start += 1  # 华蓥市禄市镇: the town is 禄市镇, 市 ends the name before it
            found.append((start, m.end(), "REGION"))
        found.extend((s, e, "REGION") for s, e in _villages(text))
        # once the article names a county in full (会泽县), its short form (会泽) is that county
        shorts = {county_short_forms().get(text[s:e]) for s, e, _label in found} - {None}
        for short in shorts:
            at = text.find(short)
            while at >= 0:
                found.append((at, at + len(short), "REGION"))
                at = text.find(short, at + 1)
        if raw:
            return found, names
        # a name inside a rejected organisation name (宁夏 in 宁夏回族自治区扶贫办) goes too
        found = [f for f in found if not any(f[0] < ve and vs < f[1] for vs, ve in vetoed)]
        return _drop_enumerations(text, _longest_non_overlapping(found)), names


def _begins_longer_name(text: str, start: int, end: int) -> Optional[str]:
    """Whether the gazetteer name at [start, end) names no area: ``"office"``
    before an office word (四川省委, 县扶贫办), ``"name"`` at the start of an
    organisation, venue, meeting or system name, a compound or a demonym, else None."""
    name = text[start:end]
    after = text[end:end + 14]
    if (ORG_SUFFIX.match(after) or ORG_AFTER_SHORT.match(after)) and not (
            name.startswith(("全", "我", "该")) and after[:1] in "各上下"):
        return "office"
    if name == "中国" and text[start - 1:start] == "其" and after[:1] == "家":
        return "name"  # 其中国家级贫困县: 其中 + 国家
    if _NAME_HEAD.match(after) or _COMPOUND.match(after) or _DEMONYM.match(after):
        return "name"
    return None


# A named village: two or three characters before 村 that stand after a boundary (a
# punctuation mark, a town or county suffix, a preposition) and are not a common
# word (贫困村, 行政村, 示范村, 逐村逐户, 通村公路 ...). Measured on round 0's own REGION
# spans ending in 村 (307 documents): precision 130/144, recall 130/144.
_VILLAGE_STOP = re.compile(
    r"(?:贫困|行政|自然|全村|本村|该村|各村|农村|乡村|出列|重点|示范|建档|搬迁|驻村|每村|一村|空壳|边远|非|的|个|和|"
    r"在|到|为|是|有|将|了|村村|易地|少数|民族|移民|新农|美丽|文明|特色|中心|集体|联村|邻村|外村|进村|到村|入村|"
    r"整村|全部|所有|其中|共|等|帮扶|结对|安置|试点|考察|走访|深入|来到|走进|调研|包村|本|该|此|各|每|这|那|全|"
    r"某|哪|任|属|扶贫|脱贫|贫|城|同|两|多|少|农|亿|万|元|户|人|逐|通|立|带|帮|好|网红|新村|建|去|今|年|里|从|"
    r"以|把|被|对|向|于|与|及|或|即|就|也|都|还|又|再|已|曾|正|才|先|后|前|内|外|上|下|大力|实施|推进|开展|"
    r"创建|加强|打造|改善|提升|乡|镇|穷|周边|督战)")
_VILLAGE_BEFORE = frozenset("年乡镇县市区旗州在到的是把将和与、从为于对向，,。；;：:（(\"《 \n\t　")
_VILLAGE_AFTER_NOT = frozenset("委级民两支集干党办里道组容")  # 村委会, 村级, 村民, 村党支部 ...


def _villages(text: str) -> List[Tuple[int, int]]:
    found = []
    start_at = 0
    while True:
        i = text.find("村", start_at)
        if i < 0:
            return found
        start_at = i + 1
        if text[i + 1:i + 2] and text[i + 1] in _VILLAGE_AFTER_NOT:
            continue
        for length in (3, 2):
            s = i - length
            if s < 0 or not all(_is_cjk(ch) for ch in text[s:i]):
                continue
            if s > 0 and _is_cjk(text[s - 1]) and text[s - 1] not in _VILLAGE_BEFORE:
                continue
            if s > 0 and text[s - 1] == "“":
                continue  # a quoted label: “四好村”, “悬崖村”
            if _VILLAGE_STOP.search(text[s:i + 1]):
                continue
            found.append((s, i + 1))
            break


def _starts_region_name(text: str, at: int) -> bool:
    """Whether a region name or county short form that begins with 镇/乡 (镇雄县, 镇雄,
    乡城) starts at ``at``."""
    return any(text.startswith(name, at) for name in _town_char_names())


@functools.lru_cache(maxsize=1)
def _town_char_names() -> Tuple[str, ...]:
    names = set(region_names()) | set(county_short_forms().values())
    return tuple(sorted(n for n in names if n[0] in "镇乡" and len(n) >= 2))


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _drop_enumerations(text: str, regions: List[Span]) -> List[Span]:
    """SCHEMA: names that only enumerate a counted set are not marked."""
    dropped = enumerated_regions(text, [(s, e) for s, e, _label in regions])
    return [r for i, r in enumerate(regions) if i not in dropped]


def enumerated_regions(text: str, regions: Sequence[Tuple[int, int]]) -> Set[int]:
    """Indices of the region names that only enumerate a counted set (SCHEMA).

    text (str): the cleaned text the offsets refer to.
    regions (Sequence[Tuple[int, int]]): region spans (start, end), in text order.
    RETURNS (Set[int]): the indices of ``regions`` to leave unmarked.

    A list item is a name, or a prefecture written straight before its county
    (昭通市镇雄县); items are joined by list separators only. A run of two or
    more items is an enumeration when a count follows it (印台区、耀州区等29个,
    延长、横山3县) or a count heads it (10个国家贫困县: 北川县, 嘉陵区, ...;
    4个国家级贫困县(阆中市、南部县); 剩余9个未摘帽的紫云县、纳雍县); a single
    name is one when 等 and a count follow it (印台区等29个). One unknown item
    between two names keeps the run going (壤塘、黑水、阿坝3县).
    A list with no count is marked (北京、天津、上海等地), and deictic names
    (全区, 我省, 中国) are never list items.
    """
    items: List[List[int]] = []  # runs of indices; [] breaks a run
    for i, (start, end) in enumerate(regions):
        name = text[start:end]
        if name in DEICTIC_REGIONS:
            items.append([])
            continue
        if items and items[-1]:
            prev_start, prev_end = regions[items[-1][-1]]
            if prev_end == start and _CHAIN_HEAD.search(text[prev_start:prev_end]):
                items[-1].append(i)
                continue
        items.append([i])
    dropped: Set[int] = set()
    k = 0
    while k < len(items):
        if not items[k]:
            k += 1
            continue
        j = k
        while j + 1 < len(items) and items[j + 1] and \
                _LIST_GAP.fullmatch(text[regions[items[j][-1]][1]:regions[items[j + 1][0]][0]]):
            j += 1
        run = items[k:j + 1]
        first_start = regions[run[0][0]][0]
        last_end = regions[run[-1][-1]][1]
        counted = _COUNT_TAIL.match(text, last_end) if len(run) >= 2 else _ETC_COUNT.match(text, last_end)
        if counted or (len(run) >= 2 and _COUNT_HEAD.search(text[max(0, first_start - 16):first_start])):
            for item in run:
                dropped.update(item)
        k = j + 1
    return dropped


_PRIORITY = {"DEADLINE": 0, "DATE": 0, "PERCENT": 1, "MONEY": 1, "POPULATION": 1, "HOUSEHOLD_COUNT": 1,
             "VILLAGE_COUNT": 1, "COUNTY_COUNT": 1, "QUANTITY": 2, "PROGRAM": 3, "REGION": 3}


def _merge_by_priority(spans: List[Span]) -> List[Span]:
    """Resolve overlaps: times, then quantities, then the longest context words."""
    by_priority = sorted(spans, key=lambda s: (_PRIORITY[s[2]], -(s[1] - s[0]), s[0]))
    chosen: List[Span] = []
    taken: set = set()
    for start, end, label in by_priority:
        if any(i in taken for i in range(start, end)):
            continue
        taken.update(range(start, end))
        chosen.append((start, end, label))
    return sorted(chosen)


def _sentence_text(text: str, start: int, end: int) -> str:
    s, e = sentence_bounds(text, start, end)
    return text[s:e]


class RuleEntityRecognizer:
    """Pipeline component: the rule layer as a spaCy component.

    By default it writes ``doc.ents``; with ``spans_key`` set it writes
    ``doc.spans[spans_key]`` instead (used as features by trained models).
    With ``candidates_key`` set it also writes every raw candidate there
    (overlapping; for the span-classifier suggester). With ``unmarked_key``
    set it writes the ranges SCHEMA leaves unmarked there (``TITLE``: a
    document title; ``NAME``: a region name that begins an organisation or
    meeting name), for ``fupin_rule_backoff`` to drop predictions inside.
    """

    def __init__(self, nlp, name: str = "fupin_rules", spans_key: Optional[str] = None,
                 candidates_key: Optional[str] = None, unmarked_key: Optional[str] = None):
        self.name = name
        self.spans_key = spans_key
        self.candidates_key = candidates_key
        self.unmarked_key = unmarked_key
        self.recognizer = RuleRecognizer()

    def __call__(self, doc):
        text = doc_text(doc)
        if self.candidates_key:
            doc.spans[self.candidates_key] = _char_spans(doc, self.recognizer.candidates(text))
        found, unmarked = self.recognizer.analyse(text)
        spans = _char_spans(doc, found)
        if self.unmarked_key:
            doc.spans[self.unmarked_key] = _char_spans(doc, unmarked)
        if self.spans_key:
            doc.spans[self.spans_key] = spans
        else:
            doc.ents = filter_spans(spans)
        return doc

    def to_disk(self, path, exclude=tuple()):
        pass

    def from_disk(self, path, exclude=tuple()):
        return self


def _char_spans(doc, found: Iterable[Span]) -> List:
    """Character spans as token spans (expanded to token bounds)."""
    spans = (doc.char_span(s, e, label=label, alignment_mode="expand") for s, e, label in found)
    return [span for span in spans if span is not None]


def make_rule_recognizer(nlp, name: str, spans_key: Optional[str], candidates_key: Optional[str],
                         unmarked_key: Optional[str]) -> RuleEntityRecognizer:
    """Create the rule entity recogniser (see RuleEntityRecognizer)."""
    return RuleEntityRecognizer(nlp, name, spans_key, candidates_key, unmarked_key)


Language.factory("fupin_rules", default_config={"spans_key": None, "candidates_key": None, "unmarked_key": None})(
    make_rule_recognizer)
