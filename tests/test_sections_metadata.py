"""Sections and metadata by rules, against the seed gold and on small made-up reports."""
from __future__ import annotations

import json

import pytest

from gainlp.document import Document
from gainlp.rules.metadata import find_metadata
from gainlp.rules.sections import find_sections
from gainlp.template import load_spec

from tests.conftest import SEEDS_DIR, SHARED

SEED_IDS = sorted(p.stem for p in SEEDS_DIR.glob("*.txt"))
HUAIAN = SHARED / "data" / "real" / "huaian-2024.pdf"

# closing dates as the seeds print them (gold has no `published`; these are read off the texts)
PUBLISHED = {
    "000_b2a178df0c812b22": "2022-01-19",
    "001_e5d3c1bd5ddb0d5b": None,
    "002_af43464f076faa0e": "2025-01-24",
    "003_9b5487d0c1a7b636": "2024-01-17",
    "004_559d788ea7c049c3": None,
}


def _seed(seed_id: str) -> tuple[Document, dict]:
    text = (SEEDS_DIR / f"{seed_id}.txt").read_text(encoding="utf-8")
    gold = json.loads((SEEDS_DIR / f"{seed_id}.gold.json").read_text(encoding="utf-8"))
    return Document.from_text(text), gold


def _assert_sections(doc: Document, gold: dict) -> None:
    sections = find_sections(doc)
    assert [s.title for s in sections] == gold["sections"]
    numbers = [s.number for s in sections]
    assert numbers == sorted(set(numbers)), "sections come in increasing order"
    spec = load_spec()
    for s in sections:  # the number is the template section the title names
        assert spec.section(s.number).matches(s.title), (s.number, s.title)
    for a, b in zip(sections, sections[1:]):
        assert a.end == b.start
    assert sections[-1].end == len(doc.text)
    spans = [sp for sp in doc.layer("rules") if sp.label == "SECTION"]
    assert [sp.attrs["number"] for sp in spans] == numbers
    for sp, s in zip(spans, sections):
        assert sp.start == s.start
        assert s.title.replace("、", "") in doc.text[sp.start : sp.end].replace(" ", "").replace("、", "")


@pytest.mark.parametrize("seed_id", SEED_IDS)
def test_seed_sections(seed_id):
    doc, gold = _seed(seed_id)
    _assert_sections(doc, gold)


@pytest.mark.parametrize("seed_id", SEED_IDS)
def test_seed_metadata(seed_id):
    doc, gold = _seed(seed_id)
    meta = find_metadata(doc)
    assert (meta.agency, meta.year) == (gold["agency"], gold["year"])
    assert meta.published == PUBLISHED[seed_id]
    by_label = {sp.label: sp for sp in doc.layer("rules")}
    assert doc.text[by_label["AGENCY"].start : by_label["AGENCY"].end] == gold["agency"]
    assert doc.text[by_label["YEAR"].start : by_label["YEAR"].end] == str(gold["year"])
    assert ("DATE" in by_label) == (meta.published is not None)


def test_seed_section_numbers_follow_titles_not_numerals():
    """Seed 000 prints no 六; seed 003 numbers 一 and 五 as 1、 and 5、; seed 004's （1）主动公开情况 is a
    subsection of 一 and the table rows 三、本年度办理结果 / 四、结转… are no headings."""
    doc, _ = _seed("000_b2a178df0c812b22")
    assert [s.number for s in find_sections(doc)] == [1, 2, 3, 4, 5]
    doc, _ = _seed("003_9b5487d0c1a7b636")
    secs = find_sections(doc)
    assert [s.number for s in secs] == [1, 2, 3, 4, 5, 6]
    assert doc.text[secs[0].start : secs[0].start + 2] == "1、"
    doc, _ = _seed("004_559d788ea7c049c3")
    secs = find_sections(doc)
    assert doc.text.index("（1） 主动公开情况") < secs[1].start
    assert doc.text[secs[1].start :].startswith("二、主动公开政府信息情况")


# ------------------------------------------------------------------------------------------ made up


REPORT = """某某县交通运输局2022年度政府信息公开工作年度报告
目录
一、总体情况
二、主动公开政府信息情况
第一部分 总体情况
2022年，本局坚持以公开为常态。
（二）主动公开政府信息情况
本局主动公开信息。
第二部分 主动公开政府信息情况
表格略
三、本年度办理结果
四、结转下年度继续办理
第四部分 政府信息公开行政复议、行政诉讼情况
表格略
存在的主要问题及改进情况
问题略。
六、其他需要报告的事项。本年度未收取信息处理费。
某某县交通运输局
二〇二三年一月十日
"""


def test_made_up_report_sections_and_metadata():
    doc = Document.from_text(REPORT)
    secs = find_sections(doc)
    assert [(s.number, s.title) for s in secs] == [
        (1, "总体情况"),
        (2, "主动公开政府信息情况"),
        (4, "政府信息公开行政复议、行政诉讼情况"),
        (5, "存在的主要问题及改进情况"),  # an un-numbered line that is exactly a title
        (6, "其他需要报告的事项"),  # heading and first sentence on one line
    ]
    # the table of contents and the sub-heading （二） lose to the 第…部分 headings
    assert doc.text[secs[0].start :].startswith("第一部分")
    assert doc.text[secs[1].start :].startswith("第二部分")
    meta = find_metadata(doc)
    assert (meta.agency, meta.year, meta.published) == ("某某县交通运输局", 2022, "2023-01-10")


def test_agency_fullest_form_and_signature_only():
    # the title prints a short form; the opening paragraph spells it out
    text = ("区卫健局2020年度政府信息公开工作报告\n现向社会公布甲乙区卫生健康局2020年度报告。\n"
            "一、总体情况\n2020年，甲乙区卫生健康局推进公开。如有疑问，可与甲乙区卫生健康局联系。\n")
    assert find_metadata(Document.from_text(text)).agency == "甲乙区卫生健康局"
    # no title: the signature names the body; the body's shorter form does not replace it
    text = ("2024年，丙丁市卫生健康委严格按照要求推进公开。\n一、总体情况\n2024年，发布信息。\n"
            "二、主动公开政府信息情况\n略\n丙丁市卫生健康委员会\n2025年1月24日\n")
    meta = find_metadata(Document.from_text(text))
    assert (meta.agency, meta.year, meta.published) == ("丙丁市卫生健康委员会", 2024, "2025-01-24")


def test_agency_is_not_lengthened_by_prose_or_a_year():
    # the title's name runs on in prose ("…人民政府认真贯彻落实…关于政府信息公开"): no fuller spelling
    text = ("甲乙县人民政府2021年度政府信息公开工作年度报告\n1、总体情况\n2021年，甲乙县人民政府认真贯彻落实"
            "上级部门关于政府信息公开工作的各项文件精神。\n2、主动公开政府信息情况\n略\n甲乙县人民政府\n2022年1月7日\n")
    assert find_metadata(Document.from_text(text)).agency == "甲乙县人民政府"
    # a year printed right before the name in the title is not part of it
    text = ("2020年丙丁县市场监督管理局政府信息公开工作年度报告\n第一部分：总体情况\n年内收到26条依申请公开。\n"
            "丙丁县市场监督管理局\n2021年3月21日\n")
    assert find_metadata(Document.from_text(text)).agency == "丙丁县市场监督管理局"


@pytest.mark.parametrize("text, expected", [
    ("某某镇2022年政府信息公开工作年度报告\n一、总体情况\n2022年，某某镇推进公开。\n", ("某某镇", 2022, None)),
    ("某某市某某局关于2022年度政府信息公开工作的年度报告\n一、总体情况\n略\n", ("某某市某某局", 2022, None)),
    ("首页 > 年度报告\n2023年某某县人民政府办公室政府信息公开工作年度报告\n一、总体情况\n略\n"
     "某某县人民政府办公室 2024年1月5日\n", ("某某县人民政府办公室", 2023, "2024-01-05")),
])
def test_title_forms(text, expected):
    meta = find_metadata(Document.from_text(text))
    assert (meta.agency, meta.year, meta.published) == expected


def test_year_from_statistics_period_and_cued_date():
    text = ("政府信息公开工作年度报告\n发布时间:2021-02-03 10:00\n"
            "本报告所列数据的统计期限自2020年1月1日起至2020年12月31日止。\n"
            "一、总体情况\n2021年以来，2021年，2021年，我局继续推进。\n")
    meta = find_metadata(Document.from_text(text))
    assert (meta.agency, meta.year, meta.published) == (None, 2020, "2021-02-03")


def test_year_from_the_overview_skips_dates_and_a_tie_is_null_with_a_warning():
    # a title whose year a PDF printed on a line of its own, beyond the head's first lines: the overview
    # decides; the deadline's 2020 (a full date, with the Kangxi ⽉ of a PDF) does not count
    head = "首页 政务公开\n国务院 省政府\n当前位置：首页 > 年报\n政府信息公开\n年政府信息公开工作\n2019\n年度报告\n"
    text = head + "一、总体情况\n2019年，我局推进公开。年度报告于2020年1⽉31日前公布。\n二、主动公开政府信息情况\n略\n"
    meta = find_metadata(Document.from_text(text))
    assert meta.year == 2019 and not meta.warnings
    text = head + "一、总体情况\n2019年，我局推进公开。2020年，我局将继续推进。\n二、主动公开政府信息情况\n略\n"
    meta = find_metadata(Document.from_text(text))
    assert meta.year is None and any(w.startswith("year:") and "2019、2020" in w for w in meta.warnings)


def test_huaian_pdf():
    readers = pytest.importorskip("gainlp.readers")
    if not hasattr(readers, "read") or not HUAIAN.is_file():
        pytest.skip("PDF reader or huaian report missing")
    doc = readers.read(HUAIAN)
    gold = json.loads(HUAIAN.with_suffix(".gold.json").read_text(encoding="utf-8"))
    _assert_sections(doc, gold)
    meta = find_metadata(doc)
    assert (meta.agency, meta.year) == (gold["agency"], gold["year"])


def test_signature_name_after_a_closing_bracket():
    """"…其他需要报告的事项（文字描述)象山县生态环境分局 2021年1月6日": the words in brackets are not the name."""
    import gainlp

    body = ("2020年政府信息公开工作年度报告 一、总体情况 本局主动公开政府信息50条。"
            "六、其他需要报告的事项（文字描述)象山县生态环境分局 2021年1月6日")
    rec = gainlp.extract(body, model=None)
    assert rec.agency == "象山县生态环境分局"


def test_agency_not_run_together_with_a_breadcrumbs_column_names():
    # a page's breadcrumb runs the portal's columns into the name; the title prints a short form
    text = ("当前位置： 首页政务公开政府信息公开甲乙综合实验区公安局政府信息公开年报 公安局2009年度政府信息公开工作年度报告 "
            "来源：甲乙县公安局办公室 一、年度政府信息公开工作概述 我局推进公开。\n")
    assert find_metadata(Document.from_text(text)).agency == "甲乙综合实验区公安局"
    # a name that holds such a word keeps it
    text = ("甲乙县政务公开办公室2022年政府信息公开工作年度报告\n一、总体情况\n2022年，甲乙县政务公开办公室推进公开。\n")
    assert find_metadata(Document.from_text(text)).agency == "甲乙县政务公开办公室"


def test_agency_not_lengthened_by_a_character_printed_twice():
    # the title's name; one sentence prints it with 区 twice: a slip, no fuller spelling
    text = ("甲乙综合实验区经济发展局2017年信息公开工作年度报告\n一、总体情况\n印发《甲乙综合实验区区经济发展局信息公开审核制度》。"
            "甲乙综合实验区经济发展局推进公开。\n")
    assert find_metadata(Document.from_text(text)).agency == "甲乙综合实验区经济发展局"


@pytest.mark.parametrize("name, agency", [
    ("gaj-2009-80645", "平潭综合实验区公安局"),   # breadcrumb columns before the name; title "公安局2009年度…"
    ("jjf-2017-80525", "平潭综合实验区经济发展局"),  # one "…实验区区经济发展局" in the prose
])
def test_corpus_agency(name, agency):
    path = SHARED / "data" / "corpus" / "pingtan" / f"{name}.txt"
    if not path.is_file():
        pytest.skip("corpus report missing")
    doc = Document.from_text(path.read_text(encoding="utf-8"))
    assert find_metadata(doc).agency == agency


def test_a_signature_dated_inside_the_year_reported_on_is_a_slip():
    body = ("甲乙县统计局2016年政府信息公开工作年度报告\n一、总体情况\n2016年，我局主动公开政府信息50条。\n"
            "甲乙县统计局\n2016年1月11日\n")
    # the release date printed at the top settles it
    meta = find_metadata(Document.from_text("发布时间: 2017-01-13 14:43\n" + body))
    assert (meta.year, meta.published) == (2016, "2017-01-13")
    assert any(w.startswith("published:") and "2016-01-11" in w for w in meta.warnings)
    # nothing else: null, warned
    meta = find_metadata(Document.from_text(body))
    assert (meta.year, meta.published) == (2016, None)
    assert any(w.startswith("published:") and "left null" in w for w in meta.warnings)
    # signed after the year: as printed, no warning
    meta = find_metadata(Document.from_text(body.replace("2016年1月11日", "2017年1月11日")))
    assert (meta.published, meta.warnings) == ("2017-01-11", [])


def test_a_report_before_the_template_tables_gets_none():
    import gainlp

    # a 2018 report's old statistics form: its 行政复议 / 行政诉讼 rows are no template table 四
    text = ("甲乙县统计局2018年政府信息公开工作年度报告\n一、概述\n2018年，我局主动公开政府信息94条。\n"
            "四、因政府信息公开申请行政复议、提起行政诉讼的情况\n无。\n附件 2018年政府信息公开情况统计表 指标名称 单位 "
            "2018年 历年累计 主动公开文件数 条 94 765 行政复议数 条 0 0 行政诉讼数 条 0 0\n甲乙县统计局\n2019年1月18日\n")
    rec = gainlp.extract(text, model=None)
    assert rec.template is None and all(t is None for t in rec.tables.values())
    assert any(w.startswith("tables: a report on 2018") for w in rec.warnings)
    # the same printing in a 2019 report is read as the template's table 四 would be
    rec = gainlp.extract(text.replace("2018", "2019"), model=None)
    assert rec.template is not None


def test_sections_of_a_reports_own_before_and_after_the_templates():
    """jsp-2025 of the Pingtan corpus, its body on one line: 一、 and 五、–七、 are titles of its own
    (五 and 七 in words the template's patterns now take), 六 names the template's section 5 again."""
    text = ("甲乙片区管理局2025年度政府信息公开工作年度报告 一、年度工作核心成效（一）主动公开多点发力，覆盖范围持续扩大。"
            "全年主动公开政府信息120条。二、主动公开政府信息情况 略。三、收到和处理政府信息公开申请情况 略。"
            "四、政府信息公开行政复议、行政诉讼情况 略。五、当前存在的突出问题过去一年中，我局公开深度不够。"
            "六、下一步改进举措 针对上述问题，我局将加强培训。七、其他需说明事项2025年度，我局未收取信息处理费。")
    sections = find_sections(Document.from_text(text))
    assert [(s.number, s.title, s.key) for s in sections] == [
        (1, "年度工作核心成效", None), (2, "主动公开政府信息情况", "active_disclosure"),
        (3, "收到和处理政府信息公开申请情况", "applications"), (4, "政府信息公开行政复议、行政诉讼情况", "review_litigation"),
        (5, "当前存在的突出问题", "problems"), (6, "下一步改进举措", None), (7, "其他需说明事项", "other_matters")]
    # after the last template heading, numerals come in turn: a later 九、 with no 八、 is no section
    text = ("一、总体情况 略。二、主动公开政府信息情况 略。三、收到和处理政府信息公开申请情况 略。"
            "四、政府信息公开行政复议、行政诉讼情况 略。五、存在的主要问题及改进情况 略。六、其他需要报告的事项 略。"
            "九、工作计划 略。")
    assert [s.number for s in find_sections(Document.from_text(text))] == [1, 2, 3, 4, 5, 6]


def test_an_own_sections_title_stops_at_a_space_a_bracket_or_a_sentences_first_word():
    text = ("甲乙县统计局2011年政府信息公开工作年度报告 一、概述 略。二、主动公开政府信息 略。三、依申请公开政府信息情况 略。"
            "四、收费及减免情况 无收费及减免情况。"
            "五、工作人员以及支出与收费情况我局办公室设有政府信息公开专栏。六、存在的问题(一)人员不足。")
    titles = [s.title for s in find_sections(Document.from_text(text))]
    assert titles == ["概述", "主动公开政府信息", "依申请公开政府信息情况", "收费及减免情况", "工作人员以及支出与收费情况",
                      "存在的问题"]


def test_a_body_on_one_line_that_opens_with_its_first_heading():
    # a scraper's dump: the header lines, then the body on one line starting with 一、总体情况
    text = ("标题: 甲乙县统计局2024年政府信息公开工作年度报告\n==================== 正文 ====================\n"
            "一、总体情况2024年，我局主动公开政府信息50条。二、主动公开政府信息情况 略。三、收到和处理政府信息公开申请情况 略。")
    assert [(s.number, s.title) for s in find_sections(Document.from_text(text))] == [
        (1, "总体情况"), (2, "主动公开政府信息情况"), (3, "收到和处理政府信息公开申请情况")]


def test_signature_whose_year_a_pdf_printed_on_the_next_line():
    # pdftotext -layout of a page printed by Chromium: the closing date's year, set apart, falls below it
    text = ("年政府信息公开工作\n2023\n年度报告\n（一）总体情况\n   2023年，本街道推进公开。\n"
            "6、其他需要报告的事项\n  无。\n特此报告。\n甲乙县城关镇办事处\n   年1月13日\n2024\n\n"
            "微信 微博 QQ空间 全真版 文字版 文件下载 相关链接：\n主办单位：甲乙县城关镇办事处 网站标识码：0000000000\n")
    meta = find_metadata(Document.from_text(text))
    assert (meta.agency, meta.year, meta.published) == ("甲乙县城关镇办事处", 2023, "2024-01-13")
    # a year-less date with no year below it is no signature
    meta = find_metadata(Document.from_text(text.replace("\n2024\n", "\n")))
    assert meta.published is None


def test_signature_name_the_line_broke_inside():
    # pdftotext of a PDF an office exported from its DOCX: section 六 and the signature run on in one
    # paragraph, and the line breaks inside the publisher's name (read before: 苏平片区管理局)
    text = ("（一）总体情况\n   2020年，本局推进公开。\n"
            "处室做好公开工作，保障政府信息公开有质有量。六、其他需要报告的事项暂无平潭综合实验区\n"
            "苏平片区管理局 2021 年 1 月 26 日\n")
    meta = find_metadata(Document.from_text(text))
    assert (meta.agency, meta.published) == ("平潭综合实验区苏平片区管理局", "2021-01-26")
    # a name of its own on the line before (two publishers sign) is no first half
    two = text.replace("六、其他需要报告的事项暂无平潭综合实验区\n", "六、其他需要报告的事项暂无。\n平潭综合实验区经济发展局\n")
    assert find_metadata(Document.from_text(two)).agency != "平潭综合实验区经济发展局苏平片区管理局"


def test_headings_pdftotext_wraps_runs_on_or_splits_from_their_numeral():
    long_line = "在监督保障方面，根据信息公开类别，由办公室对信息公开任务进行分解，要求各处室指定专人对接负责，确保及时准确。"
    text = ("一、总体情况\n" + long_line + "二、主动公开\n"  # the heading wraps inside a paragraph
            "政府信息情况第二十条第（一）项信息内容\n规章 0 0 0\n"
            # a short heading line running on into a table's caption (normalising drops the space)
            "三、收到和处理政府信息公开申请情况 （本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\n"
            "四、政府信息公开行政复议、行政诉讼情况\n0 0 0\n"
            # the numeral moved to the next line, its mark left before the title
            "、存在的主要问题及改进情况\n5\n一是公开不够及时。\n")
    assert [(s.number, s.title) for s in find_sections(Document.from_text(text))] == [
        (1, "总体情况"), (2, "主动公开政府信息情况"), (3, "收到和处理政府信息公开申请情况"),
        (4, "政府信息公开行政复议、行政诉讼情况"), (5, "存在的主要问题及改进情况")]


def test_heading_after_a_full_stop_that_began_a_short_line():
    # pdftotext -raw of a page printed by Chromium: the full stop before the heading was wrapped to the next
    # line and the heading broke after three characters ("。一、总体情 / 况2022年，…"); read before without 总体情况
    text = ("本报告由总体情况等六个部分组成。如有疑问，请与本局办公室联系（电子邮箱：jfjzhc＠163.com）\n"
            "。一、总体情\n况2022年，区经济发展局认真贯彻工作部署，主动公开政府信息。\n"
            "二、主动公开政府信息情况\n第二十条第（一）项\n")
    assert [(s.number, s.title) for s in find_sections(Document.from_text(text))] == [
        (1, "总体情况"), (2, "主动公开政府信息情况")]
    # a heading's start on a short line that ends no sentence stays no heading of its own line
    assert [s.number for s in find_sections(Document.from_text(text.replace("。一、总体情\n", "甲一、总体情\n")))] == [2]
