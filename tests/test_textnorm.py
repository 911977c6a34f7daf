from hypothesis import given, settings, strategies as st

from fupin.textnorm import align, to_simplified

CHARS = "縣萬貧困人口全國農村脫貧攻堅發展户村县1２3４,，。;(a)xiàn（wàn）ǎ 　\n"


def test_pinyin_noise_removed_and_mapped_back():
    text = "全國(guó)農(nóng)村貧困人口１０萬(wàn)人"
    a = align(text)
    assert a.clean == "全国农村贫困人口10万人"
    s = a.clean.index("全国")
    start, end = a.to_original(s, s + 2)
    assert text[start:end] == "全國(guó)"
    s = a.clean.index("10万人")
    start, end = a.to_original(s, s + 4)
    assert text[start:end] == "１０萬(wàn)人"


def test_list_markers_are_not_noise():
    a = align("工作(a)和(一)任务")
    assert a.clean == "工作(a)和(一)任务"
    assert a.starts is None


def test_simplified_and_halfwidth():
    assert to_simplified("貧困縣１２％，") == "贫困县12%,"
    assert to_simplified("陜西、陝西") == "陕西、陕西"  # a variant OpenCC's table leaves


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=CHARS, max_size=60), st.data())
def test_alignment_roundtrip(text, data):
    a = align(text)
    assert len(a.clean) <= len(text)
    if not a.clean:
        return
    start = data.draw(st.integers(0, len(a.clean) - 1))
    end = data.draw(st.integers(start + 1, len(a.clean)))
    o_start, o_end = a.to_original(start, end)
    assert 0 <= o_start < o_end <= len(text)
    # the original slice, cleaned again, gives back the clean slice
    assert align(text[o_start:o_end]).clean == a.clean[start:end]
    assert a.to_clean(o_start, o_end) == (start, end)
