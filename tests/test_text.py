"""Text normalisation: the fast path of normalize() equals the plain loop, and what the loop does."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gainlp.text import normalize, to_halfwidth

# characters around which normalize() decides something: white space of every kind, line breaks,
# joinable and non-joinable neighbours, full-width forms, sentence ends, a character that folds to three
_ALPHABET = list(" \t\u3000\xa0\r\n\f") + list("ab1２3%（）(),，、。;：.[《") + list("件政府信息") + ["㈠", "Ａ", "“", "”"]


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=40), st.booleans())
def test_shortcut_equals_plain_loop(text, join_lines):
    fast = normalize(text, join_lines=join_lines)
    plain = normalize(text, join_lines=join_lines, shortcut=False)
    assert fast.text == plain.text
    assert fast.offsets == plain.offsets


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=40), st.booleans())
def test_offsets_point_at_the_source(text, join_lines):
    norm = normalize(text, join_lines=join_lines)
    assert len(norm.offsets) == len(norm.text)
    assert norm.offsets == sorted(norm.offsets)
    for ch, off in zip(norm.text, norm.offsets):
        src = text[off]
        # a kept character is its source folded; a space or newline stands for a run of white space
        assert ch in to_halfwidth(src) or (ch in " \n" and src in " \t\u3000\xa0\r\n\f")


def test_examples():
    assert normalize("社会公 益组织").text == "社会公益组织"
    # pypdf's text of a PDF sets a space after an opening mark and after a numbering's point
    for shortcut in (True, False):
        assert normalize("“ 平潭国资”微信公众号", shortcut=shortcut).text == "“平潭国资”微信公众号"
        assert normalize("法规公文( 部门文件)", shortcut=shortcut).text == "法规公文(部门文件)"
        assert normalize("2. 加强权力运行", shortcut=shortcut).text == "2.加强权力运行"
        assert normalize("3. 5 million", shortcut=shortcut).text == "3. 5 million"  # not before a digit or a word
    assert normalize("Ａ ｂ").text == "A b"
    assert normalize("收到申请\n5件", join_lines=True).text == "收到申请5件"
    assert normalize("结束。\n下一段", join_lines=True).text == "结束。\n下一段"
    # a sentence that goes on on pdftotext's next page (a form feed opens its first line)
    assert normalize("行政许\n\f可和其他事项4条", join_lines=True).text == "行政许可和其他事项4条"
    assert normalize("结束。\n\f下一页", join_lines=True).text == "结束。\n下一页"
    assert normalize("  前后  ").text == "前后"
    assert normalize("1 2").text == "1 2"  # two numbers stay two


def test_radical_code_points_read_as_the_characters_they_print():
    from gainlp.document import Document
    from gainlp.text import fold_radicals

    printed = "中华⼈⺠共和国政府信息公开条例 ⾸⻚ ⾏政规范性⽂件"  # a PDF text layer (Chromium, Noto CJK)
    assert fold_radicals(printed) == "中华人民共和国政府信息公开条例 首页 行政规范性文件"
    assert len(fold_radicals(printed)) == len(printed)  # one for one: offsets hold
    assert Document.from_text(printed).text == fold_radicals(printed)
    assert fold_radicals("⺠") == "民" and to_halfwidth("人⺠") == "人民"


def test_a_latin_word_set_apart_in_chinese_text_joins_it():
    # pdftotext of a word processor's PDF sets Latin words apart from Chinese: "利用 LED 屏" must read as
    # the page's "利用LED屏" (a metric's subject), while two Latin words keep their space
    from gainlp.text import normalize

    for shortcut in (True, False):
        assert normalize("利用 LED 屏全天候滚动播放", shortcut=shortcut).text == "利用LED屏全天候滚动播放"
        assert normalize("用 Microsoft Word 编辑", shortcut=shortcut).text == "用Microsoft Word编辑"
        assert normalize("下载 APP\n共 5 个", join_lines=True, shortcut=shortcut).text == "下载APP共5个"
        # and a space it sets before a comma: "分管领导 、9名专职工作人员" is an enumeration, as on the page
        assert normalize("明确一名分管领导 、\n 9 名专职", join_lines=True, shortcut=shortcut).text == "明确一名分管领导、9名专职"
