import pytest

from fupin.programs import categorize
from fupin.schema import PROGRAM_CATEGORIES


@pytest.mark.parametrize("text,category", [
    ("易地扶贫搬迁", "relocation"), ("易地搬遷", "relocation"), ("生态移民", "relocation"), ("造福工程", "relocation"),
    ("光伏扶贫", "solar"), ("产业扶贫", "industry"), ("扶贫车间", "industry"), ("生态护林员", "employment"), ("生态管护员", "employment"),
    ("危房改造", "housing"), ("农村危房改造", "housing"), ("安居扶贫", "housing"), ("教育扶贫", "education"),
    ("控辍保学", "education"), ("健康扶贫", "health"), ("大病保险", "health"), ("低保", "social_security"),
    ("兜底保障", "social_security"), ("退耕还林", "ecology"), ("道路建设", "infrastructure"),
    ("扶贫小额信贷", "finance"), ("东西部扶贫协作", "assistance"), ("万企帮万村", "assistance"),
    ("公共服务", "other"), ("完全没见过的东西", "other"),
])
def test_categorize(text, category):
    assert categorize(text) == category
    assert category in PROGRAM_CATEGORIES
