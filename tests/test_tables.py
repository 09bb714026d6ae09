"""The rule table parser: token assembly on hand-made streams, layouts the seeds do not show."""
from __future__ import annotations

import pytest

from gainlp.document import Cell, Document, Table
from gainlp.rules.table_tokens import Token, detect_layout, tokens_from_text
from gainlp.rules.run_together import readings, row_readings
from gainlp.rules.tables import assemble, parse_tables, read_table, settle
from gainlp.template import load_spec


def _v(text, row_break=False, glued=False):
    from gainlp.text import parse_cell_number

    ok, val = parse_cell_number(text)
    assert ok
    return Token("value", text, 0, len(text), val, row_break, glued)


def _l(text, row_break=False):
    return Token("label", text, 0, len(text), None, row_break)


def _read(toks, table: str, template: str = "2021"):
    """assemble + settle: the table as the parser reads it from these tokens."""
    t = assemble(toks, load_spec().table(table, template))
    settle(t, template)
    return t


def test_assemble_hand_made_stream_with_header_words_that_equal_row_labels():
    layout = load_spec().table("applications", "2021")
    toks = [_l("申请人情况"), _l("自然人"), _l("法人或其他组织"), _l("总计")] + [_v("")] * 7
    toks += [_l("商业企业"), _l("科研机构"), _l("社会公益组织"), _l("法律服务机构"), _l("其他"), _v("")]
    toks += [_l("一、本年新收政府信息公开申请数量")] + [_v(x) for x in "1000001"]
    toks += [_l("（七）总计")] + [_v(x) for x in "2000002"]
    t = assemble(toks, layout).values()
    assert t["new_received"] == dict(zip(layout.row("total").columns, [1, 0, 0, 0, 0, 0, 1]))
    assert t["total"]["total"] == 2  # the header 总计 did not take the total row
    assert all(v is None for v in t["other_other"].values())  # header 其他 placed nothing


def test_row_labels_are_matched_in_template_order():
    layout = load_spec().table("applications", "2021")
    toks = [_l("（六）其他处理"), _l("3.其他")] + [_v("5")] * 1 + [_v("")] * 5 + [_v("5")]
    t = assemble(toks, layout).values()
    assert t["other_other"]["natural_person"] == 5 and t["other_other"]["total"] == 5


def test_only_total_printed_and_padding_blanks():
    layout = load_spec().table("applications", "2019")
    toks = [_l("（六）其他处理"), _v("3")]
    toks += [_l("（七）总计")] + [_v("")] * 6 + [_v("3"), _v(""), _v("")]
    t = assemble(toks, layout).values()
    assert t["other"]["total"] == 3 and t["other"]["natural_person"] is None
    assert t["total"]["total"] == 3 and t["total"]["other_org"] is None


def test_readings_of_run_together_numbers():
    assert readings("105", 2) == [(10, 5)]  # "05" is no number
    assert sorted(readings("123", 2)) == [(1, 23), (12, 3)]
    assert (46, -17, 166) in readings("46-17166", 3)  # a signed 本年增/减 between two counts
    assert readings("１３０．００", 1) == [(130.0,)]
    assert readings("2,54455400003,098", 7).count((2544, 554, 0, 0, 0, 0, 3098)) == 1


def test_row_readings_over_pieces_with_their_spans():
    # white space where the page had it ("&nbsp;" padding), digits together where it had none
    found = row_readings(["10", "0", "1", "200", "0", "0", "0", "0", "0", "0", "00"], 15).found
    assert [values for values, _ in found] == [(1, 0, 0, 1, 2) + (0,) * 10]
    _, spans = found[0]
    assert spans[:2] == ((0, 0, 1), (0, 1, 2)) and spans[4] == (3, 0, 1)  # "10" -> 1|0, "200" -> 2|0|0
    # a blank piece is one empty cell
    assert [v for v, _ in row_readings(["3", None, "12"], 4).found] == [(3, None, 1, 2)]
    assert row_readings(["00", "0"], 2).found == []  # three cells printed for two columns
    assert len(row_readings(["191000019"], 7).found) == 7
    # too many to list: the list says it is incomplete; a rule per group of cells prunes it
    many = row_readings(["00022841273902503411958112"], 15)
    assert not many.complete
    total = lambda g: g[-1] == sum(g[:-1])  # noqa: E731
    grouped = row_readings(["00022841273902503411958112"], 15, groups=[(5, total)] * 3)
    assert grouped.complete and len(grouped.found) == 2


def test_run_together_digits_resolved_by_row_sum_or_left_null_with_warning():
    t = _read([_l("一、本年新收政府信息公开申请数量"), Token("value", "1000001", 0, 7, None, glued=True)], "applications")
    assert list(t.values()["new_received"].values()) == [1, 0, 0, 0, 0, 0, 1]
    t2 = _read([_l("行政规范性文件"), Token("value", "8855698", 0, 7, None, glued=True)], "active_disclosure")
    assert all(v is None for v in t2.values()["normative_documents"].values())
    assert any("ambiguous" in w and "8855698" in w for w in t2.warnings)
    amb = t2.ambiguities[0]
    assert amb.cells == ["normative_documents.issued", "normative_documents.abolished", "normative_documents.in_force"]
    assert [8, 85, 5698] in amb.readings and [88, 55, 698] in amb.readings
    cands = t2.cells["normative_documents"]["issued"].candidates
    # 885 issued would leave more issued than in force (698, 98 or 8) less the abolished: no reading
    assert cands == [8, 88]
    assert all(r[2] >= r[0] - r[1] for r in amb.readings)
    assert any("not read as" in w and "[885, 5, 698]" in w for w in t2.warnings)


def test_run_together_readings_keep_in_force_at_least_issued_less_abolished():
    # "6045" under 制发 / 废止 / 现行有效: 60, 4, 5 leaves 56 issued and not abolished, but 5 in force
    t = _read([_l("行政规范性文件"), Token("value", "6045", 0, 4, None, glued=True)], "active_disclosure")
    assert t.values()["normative_documents"] == {"issued": 6, "abolished": 0, "in_force": 45}
    assert any("not read as [60, 4, 5]" in w and "in_force ≥ issued − abolished" in w for w in t.warnings)
    # where every reading breaks it, the report prints it so: read as printed
    t = _read([_l("行政规范性文件"), Token("value", "900", 0, 3, None, glued=True)], "active_disclosure")
    assert t.values()["normative_documents"] == {"issued": 9, "abolished": 0, "in_force": 0}
    assert not any("not read as" in w for w in t.warnings)


def _digits_row(label: str, digits: str) -> list[Token]:
    return [_l(label), Token("value", digits, 0, len(digits), None, glued=True)]


def test_one_solver_reads_the_whole_table_together():
    """Table 3 of a real report (pingtan-zrz-2023), every row run together. "191000019" alone has seven
    readings; with the 自然人 column balance (19 new = 19 in all) and the total row of each column, one
    breaks two sums fewer than any other: the printed inconsistency (总计 19 < 19 + 1, 商业企业 1 with no
    application) is kept and its checks fail, rather than a reading that breaks more sums."""
    printed = {"new_received": "190000019", "granted": "6000006", "partially_granted": "8100008",
               "unavailable_not_held": "4000004", "other_other": "1000001", "total": "191000019"}
    layout = load_spec().table("applications", "2021")
    toks = []
    for row in layout.rows:
        toks += _digits_row(row.labels[0], printed.get(row.key, "0000000"))
    t = _read(toks, "applications")
    assert list(t.values()["total"].values()) == [19, 1, 0, 0, 0, 0, 19]
    assert any("fail as printed" in w for w in t.warnings)
    assert not t.ambiguities
    # without the rows that tie the columns down, the same digits are left open, never guessed
    t2 = _read(_digits_row("一、本年新收政府信息公开申请数量", "190000019") + _digits_row("（七）总计", "191000019"),
               "applications")
    total = t2.values()["total"]
    assert total["natural_person"] is None and total["total"] is None  # 1|9|10…, 19|1|…, 191|…
    assert total["social_welfare"] == 0 and total["legal_services"] == 0  # the same in every reading
    assert any("191000019" in w and "ambiguous" in w for w in t2.warnings)


def test_table_four_run_together_read_by_its_group_sums():
    t = _read([_l("行政复议"), _l("总计"), Token("value", "10000100000000000", 0, 17, None, glued=True)],
              "review_litigation")
    assert t.values()["reconsideration"] == {"upheld": 10, "corrected": 0, "other": 0, "pending": 0, "total": 10}
    assert all(v == 0 for v in t.values()["litigation_direct"].values())


def test_run_together_digits_narrowed_by_the_figure_in_the_prose():
    from gainlp.record import Metric, Record, Source
    from gainlp.rules.solve import narrow_with_prose

    t = _read(_digits_row("一、本年新收政府信息公开申请数量", "2110000211"), "applications")
    assert t.ambiguities, t.warnings  # (2,11,…,13)? no: the row sums admit several readings
    rec = Record(Source(None, "", "txt"), template="2021")
    rec.tables["applications"] = t.values()
    rec.ambiguities = t.ambiguities
    totals = {r[-1] for r in t.ambiguities[0].readings}
    assert len(totals) > 1
    target = sorted(totals)[0]
    rec.narrative_metrics = [Metric("收到政府信息公开申请", target, "件", 1, 0, 5)]
    narrow_with_prose(rec)
    assert rec.tables["applications"]["new_received"]["total"] == target
    assert any("prose" in w for w in rec.warnings)


def test_detect_layouts():
    assert detect_layout("规章 |\n0 |\n0 |\n |\n行政许可 |\n5 |") == "pipe_cells"
    assert detect_layout("规章 | 0 | 0 | 0 |\n行政许可 | 5 | ||\n行政处罚 | 3 | ||") == "pipe_rows"
    assert detect_layout("\t规章\n\t0\n\t\n\n\t行政许可\n\t3\n") == "tab_cells"
    assert detect_layout("规章\t0\t0\t0\n行政许可\t5\t\t\n行政处罚\t3\t\t\n") == "tab_rows"
    assert detect_layout("规章\n\n0\n\n\n0\n\n行政许可\n\n5\n") == "blank_separated"
    assert detect_layout("规章 0 0 0\n行政许可 5\n") == "line_rows"


SPACED = """二、主动公开政府信息情况
第二十条第（一）项
信息内容 本年制发件数 本年废止件数 现行有效件数
规章 1 0 11
行政规范性文件8855698
第二十条第（五）项
行政许可 447228
- 3 -
淮安市人民政府2024年政府信息公开工作年度报告
行政处罚 3985758
行政强制 88283
行政事业性收费 96171.6
三、收到和处理政府信息公开申请情况
自然人 法人或其他组织 总计
商业企业 科研机构 社会公 益组织 法律服务机构 其他
一、本年新收政府信息公开申请数量1000001
二、上年结转政府信息公开申请数量 3 0 0 0 0 0 3
（二）部分公开（区分处理的，只计这一情
形，不计其他情形） 0 0 0 0 0 0 0
5.要求行政机关确认或重新出
具已获取信息 1 0 0 0 0 0 1
（六）其他处理 1.申请人无正当理由逾期不补
正、行政机关不再处理其政府信息公开申请 2 0 0 0 0 0 2
3.其他 7 0 0 0 0 0 7
四、结转下年度继续办理 0 0 0 0 0 0 0
四、政府信息公开行政复议、行政诉讼情况
结果维持 结果纠正 其他结果 尚未审结 总计 未经复议直接起诉 复议后起诉
72 64 178 37 351 13 4 8 1 26 12 1 1 6 20
五、存在的主要问题及改进情况
"""


def test_pdf_like_text_with_page_furniture_wrapped_labels_and_run_together_cells():
    doc = Document.from_text(SPACED)
    r = parse_tables(doc, [], year=2024)
    assert r.template == "2021"
    ad, ap, rl = (r.tables[n] for n in ("active_disclosure", "applications", "review_litigation"))
    assert ad["regulations"] == {"issued": 1, "abolished": 0, "in_force": 11}
    assert ad["normative_documents"] == {"issued": None, "abolished": None, "in_force": None}
    assert ad["punishment"]["decisions"] == 3985758 and ad["fees"]["amount"] == 96171.6
    assert ap["new_received"]["total"] == 1 and ap["carried_over"]["natural_person"] == 3
    assert ap["not_processed_confirmation"]["natural_person"] == 1
    assert ap["other_overdue_correction"]["total"] == 2 and ap["other_other"]["total"] == 7
    assert rl["reconsideration"]["total"] == 351 and rl["litigation_after_reconsideration"]["pending"] == 6
    assert any("8855698" in w for w in r.warnings)
    # provenance points at the printed characters
    p = r.provenance["tables.active_disclosure.punishment.decisions"]
    assert doc.text[p.start:p.end] == "3985758"
    cells = [s for s in doc.layer("rules") if s.label == "TABLE_CELL"]
    assert all(doc.text[s.start:s.end] for s in cells)


def test_reader_table_grid_with_merged_cells():
    # a cell grid as an HTML/DOCX reader gives it: the group label spans rows (None below it)
    rows = [["三、本年度办理结果", "（一）予以公开", "2", "0", "0", "0", "0", "0", "2"],
            [None, "（二）部分公开", "1", "", "", "", "", "", "1"],
            ["（七）总计", None, "3", "0", "0", "0", "0", "0", "3"]]
    text_parts, grid, pos = [], [], 0
    for r, row in enumerate(rows):
        grow = []
        for c, val in enumerate(row):
            if val is None:
                grow.append(None)
                continue
            grow.append(Cell(val, pos, pos + len(val), r, c))
            text_parts.append(val + "\t")
            pos += len(val) + 1
        grid.append(grow)
        text_parts.append("\n")
        pos += 1
    text = "三、收到和处理政府信息公开申请情况\n"
    off = len(text)
    for row in grid:
        for cell in row:
            if cell:
                cell.start += off
                cell.end += off
    doc = Document.from_text(text + "".join(text_parts))
    doc.tables.append(Table(grid, off, len(doc.text)))
    r = parse_tables(doc, [], year=2022)
    ap = r.tables["applications"]
    assert ap["granted"]["total"] == 2 and ap["partially_granted"]["commercial"] is None
    assert ap["total"]["natural_person"] == 3
    p = r.provenance["tables.applications.total.total"]
    assert doc.text[p.start:p.end] == "3"


def test_no_tables_means_no_template():
    doc = Document.from_text("这是一段与政府信息公开年度报告无关的文字。\n第二段。")
    r = parse_tables(doc, [])
    assert r.template is None and all(t is None for t in r.tables.values())


@pytest.mark.parametrize("layout", ["pipe_cells", "tab_rows"])
def test_cell_per_line_and_tab_rows_tokens(layout):
    text = {"pipe_cells": "行政处罚 |\n175 |\n减62 |\n107 |\n", "tab_rows": "行政处罚\t175\t减62\t107\n"}[layout]
    lay, toks = tokens_from_text(text, 0)
    assert lay == layout
    assert [t.value for t in toks if t.kind == "value"] == [175, -62, 107]


_REVIEW_HEAD = ("第四部分 因政府信息公开工作被申请行政复议、提起行政诉讼情况\n行政复议 行政诉讼\n"
                "结果维持 结果纠正 其他结果 尚未审结 总计 未经复议直接起诉 复议后起诉\n"
                "结果维持 结果纠正 其他结果 尚未审结 总计 结果维持 结果纠正 其他结果 尚未审结 总计\n")


@pytest.mark.parametrize("body", [
    _REVIEW_HEAD + "无 1 无 0 1 11 1 15 4 31 无 无 无 19 19\n",  # a row that starts with a cell printed 无
    _REVIEW_HEAD.replace(" ", "").replace("\n", "") + "无1无0111115431无无无1919",  # one line, run together
])
def test_blank_cells_printed_wu_at_the_start_of_a_row_are_cells(body):
    import gainlp

    rec = gainlp.extract("2024年度政府信息公开工作年度报告\n" + body + "\n第五部分 存在的主要问题及改进情况\n", model=None)
    got = rec.flat()["review_litigation"]
    # never a value shifted one cell left: 无 is the first cell, 1 the second
    assert got["reconsideration.upheld"] is None and got["reconsideration.corrected"] == 1
    assert got["reconsideration.other"] is None and got["reconsideration.pending"] == 0
    if " " in body:
        assert got["litigation_direct.total"] == 31 and got["litigation_after_reconsideration.total"] == 19


def test_a_number_right_after_a_label_bracket_is_not_read_as_the_total_alone():
    """"…情形）10001": digits run into the label may be several cells left blank around others; as the
    总计 alone ("10001") it is one reading among others, never taken without the checks."""
    import gainlp

    text = ("2021年度政府信息公开工作年度报告\n三、收到和处理政府信息公开申请情况\n申请人情况\n自然人法人或其他组织总计\n"
            "商业企业科研机构社会公益组织法律服务机构其他\n"
            "（二）部分公开（区分处理的，只计这一情形，不计其他情形）10001\n四、政府信息公开行政复议、行政诉讼情况\n")
    rec = gainlp.extract(text, model=None)
    table = rec.flat()["applications"] or {}
    assert table.get("partially_granted.total") != 10001


def test_cells_printed_wu_one_per_line_numbering_with_a_space_and_a_slash_between_labels():
    """Three ways a synthetic benchmark found a value read into the wrong cell: a cell printed 无 on its
    own line, numbering with a space before its dot ("6 .属于…"), a blank "/" between two row labels."""
    import gainlp

    rows = "\n".join(["\t三、本年度办理结果", "\t（一）予以公开", *[f"\t{v}" for v in ("3", "无", "无", "0", "1", "无", "4")]])
    text = ("2021年度政府信息公开工作年度报告\n三、收到和处理政府信息公开申请情况\n\t申请人情况\n\t自然人\n\t法人或其他组织\n\t总计\n"
            "\t商业企业\n\t科研机构\n\t社会公益组织\n\t法律服务机构\n\t其他\n" + rows + "\n四、政府信息公开行政复议、行政诉讼情况\n")
    got = (gainlp.extract(text, model=None).flat()["applications"] or {})
    assert [got.get(f"granted.{c}") for c in ("natural_person", "commercial", "research", "social_welfare",
                                              "legal_services", "other_org", "total")] == [3, None, None, 0, 1, None, 4]

    table = ("二、主动公开政府信息情况第二十条第（六）项信息内容本年处理决定数量行政处罚/行政强制3"
             "第二十条第（八）项信息内容本年收费金额（单位：万元）行政事业性收费/三、收到和处理政府信息公开申请情况")
    got = gainlp.extract("2021年度政府信息公开工作年度报告 " + table, model=None).flat()["active_disclosure"] or {}
    assert got.get("punishment.decisions") is None and got.get("coercion.decisions") == 3

    from gainlp.rules.table_tokens import split_text

    toks = split_text("5.属于三类内部事务信息 0 0 6 .属于四类过程性信息 1", 0)
    assert [t.value for t in toks if t.kind == "value"] == [0, 0, 1]


def test_digits_that_fill_their_cells_in_a_table_whose_blanks_vanish_are_not_read_digit_by_digit():
    """"规范性文件218" in a table 二 that prints blank cells as nothing (规章39: two digits for three cells;
    行政强制 with no digit) may be blank|2|18 as well as 2|1|8: null with the candidates, never 2, 1, 8.
    Where every cell is printed, "218" stays 2, 1, 8."""
    import gainlp

    def table(rows):
        return ("2023年度政府信息公开工作年度报告\n二、主动公开政府信息情况\n第二十条第（一）项\n信息内容本年制发件数本年废止件数现行有效件数\n"
                + rows + "\n第二十条第（六）项\n信息内容本年处理决定数量\n行政处罚3\n行政强制\n三、收到和处理政府信息公开申请情况\n")

    vanished = gainlp.extract(table("规章39\n规范性文件218"), model=None)
    got = vanished.flat()["active_disclosure"]
    assert [got[f"normative_documents.{c}"] for c in ("issued", "abolished", "in_force")] == [None, None, None]
    cands = vanished.provenance["tables.active_disclosure.normative_documents.in_force"].candidates
    assert 8 in cands and 18 in cands
    printed = gainlp.extract(table("规章000\n规范性文件218").replace("行政强制\n", "行政强制0\n"), model=None)
    got = printed.flat()["active_disclosure"]
    assert [got[f"normative_documents.{c}"] for c in ("issued", "abolished", "in_force")] == [2, 1, 8]


def test_a_table_marker_in_a_sentence_starts_no_table():
    """A report of prose only (blind-prose test6, x04): 行政复议 named in a sentence of 一、总体情况 is no
    table 四. Read as one, the first figure after each later sub-heading became a 总计 cell
    (建成不见面开标大厅1个 -> litigation_direct.total = 1, 专（兼）职人员6名 -> 6) and left the narrative."""
    from pathlib import Path

    import gainlp

    path = Path(__file__).resolve().parents[1] / "benchmarks/data/blind-prose/test6/x04-jiaoyi.txt"
    record = gainlp.extract(path, model=None)
    assert record.tables["review_litigation"] is None
    said = {(m.value, m.unit) for m in record.narrative_metrics}
    assert {(1, "个"), (4, "间"), (6, "名"), (2135, "份"), (1, "件")} <= said


def test_a_row_label_in_the_sections_prose_before_the_table_is_no_row():
    """zrz-2020 of the Pingtan corpus: section 二 says "其中政策规范性文件类信息5条，…" and then prints its table,
    run together. The sentence's 规范性文件…5 was read as the table's 规范性文件 row (its cells null, the 5 a
    candidate) and its six figures left the narrative; the table starts at its 第二十条 marker."""
    import gainlp

    text = ("二、主动公开政府信息情况\n今年以来，主动公开政府信息225条。其中政策规范性文件类信息5条，财政资金类5条，"
            "行政处罚类15条。第二十条第（一）项信息内容本年新制作数量本年新公开数量对外公开总数量规章000规范性文件9921"
            "第二十条第（五）项信息内容上一年项目数量本年增/减处理决定数量行政许可000\n"
            "三、收到和处理政府信息公开申请情况\n无。\n")
    record = gainlp.extract(text, model=None)
    got = record.flat()["active_disclosure"]
    assert [got[f"normative_documents.{c}"] for c in ("new_made", "new_published", "total_published")] == [9, 9, 21]
    said = {(m.subject, m.value) for m in record.narrative_metrics}
    assert {("政策规范性文件类信息", 5), ("财政资金类", 5), ("行政处罚类", 15)} <= said


def test_table_four_on_one_line_with_three_pieces_is_no_row_of_totals_when_a_piece_is_long():
    """The synthetic one_line_padded layout printed table 四 as "0　0 151160010101001" (15 cells, some
    padded apart): three pieces for three groups were read as the three 总计 cells, the last 151160010101001,
    with no check to flag it. A piece too long for one cell is run together; the solver reads the 15."""
    t = _read([_l("行政复议"), _l("行政诉讼"), _l("结果维持"), _l("总计"), Token("value", "0", 0, 1, 0),
               Token("value", "0", 2, 3, 0), Token("value", "151160010101001", 4, 19, 151160010101001, glued=True)],
              "review_litigation")
    assert t.values()["litigation_after_reconsideration"]["total"] != 151160010101001
    assert t.values() == {"reconsideration": {"upheld": 0, "corrected": 0, "other": 15, "pending": 1, "total": 16},
                          "litigation_direct": {"upheld": 0, "corrected": 0, "other": 1, "pending": 0, "total": 1},
                          "litigation_after_reconsideration": {"upheld": 0, "corrected": 1, "other": 0, "pending": 0,
                                                               "total": 1}}
    # three short pieces are the three 总计 cells, as before
    t = _read([_l("行政复议"), _l("总计"), Token("value", "3", 0, 1, 3), Token("value", "1", 2, 3, 1),
               Token("value", "0", 4, 5, 0)], "review_litigation")
    assert [t.values()[g]["total"] for g in ("reconsideration", "litigation_direct", "litigation_after_reconsideration")] == [3, 1, 0]


# pdftotext -layout of a table printed by Chromium: a tall merged cell's label ("三、本年度办理结果") stands
# at its middle, between a row's label and that row's values, or between two labels and theirs
_GROUP_BETWEEN = """一、本年新收政府信息公开申请数量                     3 0 0 0 0 0 3
二、上年结转政府信息公开申请数量                     0 0 0 0 0 0 0
          （一）予以公开                      1 0 0 0 0 0 1
                  7.属于行政执法案卷           0 0 0 0 0 0 0
                  8.属于行政查询事项
三、本年度办理结果         1.本机关不掌握相关政府信息
                                       0 0 0 0 0 0 0
                                       2 0 0 0 0 0 2
          （四）无法提供 2.没有现成信息需要另行制作       0 0 0 0 0 0 0
"""


@pytest.mark.parametrize("text", [
    _GROUP_BETWEEN,
    # the values of the first row between the group label and the second row's label
    _GROUP_BETWEEN.replace("三、本年度办理结果         1.本机关不掌握相关政府信息\n"
                           "                                       0 0 0 0 0 0 0\n",
                           "三、本年度办理结果\n                                       0 0 0 0 0 0 0\n"
                           "                  1.本机关不掌握相关政府信息\n"),
    # two group labels, after a page break with a running header set between dashes
    _GROUP_BETWEEN.replace("三、本年度办理结果         1.本机关不掌握相关政府信息\n"
                           "                                       0 0 0 0 0 0 0\n",
                           "\f— 政府信息公开 —\n三、本年度办理结果\n（四）无法提供\n"
                           "                                       0 0 0 0 0 0 0\n"
                           "                  1.本机关不掌握相关政府信息\n"),
])
def test_a_group_label_between_row_labels_and_their_values(text):
    layout, toks = tokens_from_text(text, 0)
    v = _read(toks, "applications").values()
    # read before: the first value line went to 1.本机关不掌握 (0 for its 2) and 8.行政查询 was left null
    assert v["withheld_inquiry"] == dict.fromkeys(v["withheld_inquiry"], 0)
    assert v["unavailable_not_held"] == {"natural_person": 2, "commercial": 0, "research": 0, "social_welfare": 0,
                                         "legal_services": 0, "other_org": 0, "total": 2}
    assert v["unavailable_needs_creation"]["total"] == 0 and v["granted"]["total"] == 1


def test_one_rows_values_below_the_labels_of_two_rows_are_nobodys():
    # pdftotext of a page printed on A5: row 1's values (0s) stand below row 2's first label line, and
    # row 2 prints blank; which row owns them the text does not say (read before: row 2's, 0 for blank)
    text = """             5.要求行政机关确认或重新出具已获取信息     0 0 0 0 0 0 0
             1.申请人无正当理由逾期不补正、行政机关不再处
             理其政府信息公开申请
       （六）其他 2.申请人逾期未按收费通知要求缴纳费用、行政机
                                     0 0 0 0 0 0 0


       处理    关不再处理其政府信息公开申请
             3.其他                     1 0 0 0 0 0 1
       （七）总计                         5 0 0 0 0 0 5
"""
    layout, toks = tokens_from_text(text, 0)
    t = _read(toks, "applications")
    v = t.values()
    assert set(v["other_overdue_correction"].values()) == {None} and set(v["other_overdue_fee"].values()) == {None}
    assert v["other_other"]["total"] == 1 and v["not_processed_confirmation"]["total"] == 0
    assert any("whose they are the text does not say" in w for w in t.warnings)


def test_labels_wrapped_in_a_narrow_column_name_their_rows():
    # pdftotext of a page printed on A5: the row labels wrap every 5 characters, a row's first line is
    # too short to name it alone, its number is printed on a line of its own between the label's two
    # lines, and the first value stands beside the first line; a group label's line runs into a row
    # label's last character ("不予公 密"). Before, none of these rows was found and every value went to
    # the row above: "91 values for 7 columns; left null"
    text = """三、本 （一）予以公开    6    0   0   0   0   0   6
年度办
理结果 （二）部分公开（区分
    处理的，只计这一情 8     1   0   0   0   0   9
    形，不计其他情形）
    （三） 1.属于国家秘 1
    不予公 密           0   0   0   0   0   1

    开
        2.其他法律行
        政法规禁止公 2    0   0   0   0   0   2
        开
         危及“三安 3
        3.
        全一稳定”       0   0   0   0   0   3



         保护第三方 4
        4.
        合法权益        0   0   0   0   0   4
         属于三类内 5
        5.
        部事务信息       0   0   0   0   0   5
     本机关不掌
    1.
    握相关政府信 7    0   0   0   0   0   7
    息
（四） 2.没有现成信
无法提 息需要另行制 0    0   0   0   0   0   0
供 作
"""
    layout, toks = tokens_from_text(text, 0)
    t = _read(toks, "applications")
    v = t.values()
    assert v["partially_granted"]["total"] == 9 and v["partially_granted"]["commercial"] == 1
    for key, n in (("withheld_state_secret", 1), ("withheld_law_prohibited", 2), ("withheld_security_stability", 3),
                   ("withheld_third_party", 4), ("withheld_internal_affairs", 5), ("unavailable_not_held", 7)):
        assert v[key] == {"natural_person": n, "commercial": 0, "research": 0, "social_welfare": 0,
                          "legal_services": 0, "other_org": 0, "total": n}, key
    assert v["unavailable_needs_creation"]["total"] == 0
    assert not any("values for 7 columns" in w for w in t.warnings)


def test_a_short_label_line_names_a_row_only_after_that_rows_own_number():
    from gainlp.rules.tables import _matcher, printed_numeral
    from gainlp.template import label_key, load_spec

    m = _matcher(load_spec().table("applications", "2021"))

    def row(label):
        i = m.row(label_key(label), 0, printed_numeral(label))
        return None if i is None else m.layout.rows[i].key

    assert row("1.属于国家秘") == "withheld_state_secret"
    assert row("属于国家秘") is None  # five characters, no number: too short to say
    assert row("2.属于国家秘") is None  # another row's number
    assert row("1.本机关不掌") == "unavailable_not_held"
    assert row("2.没有现成信") == "unavailable_needs_creation"
    assert row("3.危及“三") == "withheld_security_stability"
    assert row("1.属于") is None  # shorter than three, and the next row numbered 1 is 一、本年新收…
    # a label cell two characters wide ("1.属" / "于国" / "家秘" / "密"): the next row with the number
    after = m.layout.rows.index(next(r for r in m.layout.rows if r.key == "partially_granted"))
    assert m.layout.rows[m.row(label_key("1.属"), after, 1)].key == "withheld_state_secret"
    assert m.row(label_key("2.属"), after, 2) is None  # row 2 is 其他法律…


def test_a_row_label_beside_a_group_labels_line_names_its_row():
    # pdftotext of an A5 page: the group label's second line stands before row 4's label on one line,
    # and the label's last character moved to its front; the row label alone is near enough to name it
    text = """     2.重复申请        0 0 0 0 0 0 0

（五）不 3.4.要求提供公开出版物 1 0 0 0 0 0 1

予处理 请无正当理由大量反复申 2 0 0 0 0 0 2
     5.要求行政机关确认或重
     新出具已获取信息      3 0 0 0 0 0 3
"""
    layout, toks = tokens_from_text(text, 0)
    v = _read(toks, "applications").values()
    assert v["not_processed_publication"]["total"] == 1
    assert v["not_processed_excessive"] == {"natural_person": 2, "commercial": 0, "research": 0, "social_welfare": 0,
                                            "legal_services": 0, "other_org": 0, "total": 2}
    assert v["not_processed_confirmation"]["total"] == 3


# pdftotext of the official DOCX form exported to PDF by LibreOffice (an office's PDF): each of these was
# read as a wrong number before

def test_a_rows_total_printed_on_the_line_above_its_other_cells():
    # the 总计 cell is set at the top of a tall row, the others at its middle: read as printed, 49 went
    # to 自然人 and every cell one column right; by where they stand the row's sum holds
    text = """三、本 （一）予以公开                 494     147   5      18   77    53    794
年度办 （二）部分公开（区分处理的，只计这一情                                           49
                            34      9     0      2    1     3
理结果 形，不计其他情形）
   （三）不 1.属于国家秘密            2       0     0      0    0     0     2
"""
    layout, toks = tokens_from_text(text, 0)
    v = _read(toks, "applications").values()
    assert v["partially_granted"] == {"natural_person": 34, "commercial": 9, "research": 0, "social_welfare": 2,
                                      "legal_services": 1, "other_org": 3, "total": 49}
    # with blank marks no sum can tell the two orders apart: the 6 is no 自然人, both cells stay null
    text = """年度办 （二）部分公开（区分处理的，只计这一情                                     6
                            ／     ／    ／     ／    ／    ／
理结果 形，不计其他情形）
"""
    layout, toks = tokens_from_text(text, 0)
    t = _read(toks, "applications")
    cells = t.cells["partially_granted"]
    assert cells["natural_person"].value is None and cells["total"].value is None
    assert cells["total"].candidates == [6] and cells["natural_person"].candidates == [6]


def test_numbers_wrapped_in_narrow_cells_leave_their_rows_null():
    # "1,969" wraps to "1,96" / "9": the first halves stand above the row's label, the rest below it;
    # "1,459" wraps beside a group label. Before: 一's cells read as 153 84 443 222 9 3 4, 予以公开's 总计 as 9
    text = """                              1,96    1,10                           3,97
一、本年新收政府信息公开申请数量                             153    84   443   222
                              9       3                              4
二、上年结转政府信息公开申请数量              0       0      0      1    0     0     1
三、本                                                                  1,45
      （一）予以公开                 721     421    51     25   157   84
年度办                                                                  9
"""
    layout, toks = tokens_from_text(text, 0)
    t = _read(toks, "applications")
    v = t.values()
    assert set(v["new_received"].values()) == {None}
    assert any("printed above its label" in w for w in t.warnings)
    assert v["granted"]["total"] is None and v["granted"]["natural_person"] is None
    assert v["carried_over"]["total"] in (1, None)  # the 1,459 beside 三、本 may overflow its row: null


def test_digits_set_apart_in_a_caption_date_are_no_cells():
    # "（统计数据截至 2022 年 12 月 31 日）": the 31 was read as the review table's first cell
    text = """     （统计数据截至 2022 年 12 月 31 日）
          行政复议                                           行政诉讼
1    0    0      0    1    0    0    0       1       1        0        0        0    1        1
"""
    layout, toks = tokens_from_text(text, 0)
    assert [t.text for t in toks if t.kind == "value"][:3] == ["1", "0", "0"]
    v = _read(toks, "review_litigation").values()
    assert v["reconsideration"]["upheld"] == 1 and v["reconsideration"]["total"] == 1


def test_two_numbers_under_three_columns_of_table_two_are_not_split():
    # 规章 prints 1, a blank and 12: read before as 1, 1, 2 (the 12 taken for digits run together)
    text = """   信息内容              本年制发件数       本年废止件数         现行有效件数
     规章        1                            12
  行政规范性文件      5                            5
"""
    layout, toks = tokens_from_text(text, 0)
    t = _read(toks, "active_disclosure")
    v = t.values()
    assert v["regulations"] == {"issued": None, "abolished": None, "in_force": None}
    assert 12 in t.cells["regulations"]["in_force"].candidates
    # no other row shows a blank cell, but wide gaps part the numbers: "1 … 38" is no 1, 3, 8
    text = """   信息内容              本年制发件数           本年废止件数                   现行有效件数
    规章        1               1                       12
  行政规范性文件                     1                       38
"""
    layout, toks = tokens_from_text(text, 0)
    v = _read(toks, "active_disclosure").values()
    assert v["regulations"] == {"issued": 1, "abolished": 1, "in_force": 12}
    assert v["normative_documents"] == {"issued": None, "abolished": None, "in_force": None}
    # a one-line scrape that lost some separators ("规章 1 10" for 1, 1, 0) is read as before
    layout, toks = tokens_from_text("信息内容 本年制发件数 本年废止件数 现行有效件数 规章 1 10 行政规范性文件 3 3 1", 0)
    v = _read(toks, "active_disclosure").values()
    assert v["regulations"] == {"issued": 1, "abolished": 1, "in_force": 0}


def test_a_change_printed_with_its_sign_word_set_apart():
    # "减 13": the PDF's text sets the digits apart from the sign word; read before as +13
    text = """信息内容        上一年项目数量      本年增/减       本年处理决定数量
行政许可        91           增 2           4
其他对外管理服务    24           减 13        0
事项
"""
    layout, toks = tokens_from_text(text, 0)
    v = _read(toks, "active_disclosure", "2019").values()
    assert v["licensing"]["change"] == 2 and v["other_services"]["change"] == -13
    assert v["other_services"]["prev_count"] == 24 and v["other_services"]["decisions"] == 0


def test_a_numbered_line_under_a_wrapped_label_starts_the_next_row():
    # pdftotext of a page printed landscape, read in blank-separated paragraphs: row 2's last label line
    # and row 3's "3. 其他" were one label, so row 3's values went to row 2 (1 for a printed 0)
    text = """     申请

（六）其 2.申请人逾期未按收费
他处理 通知要求缴纳费用、行
     政机关不再处理其政府 0    0   0   0   0   0   0

     信息公开申请
     3.   其他     1   0   0   0   0   0   1
                        （七）总计                 19      1       0       0       0       0       19


"""
    layout, toks = tokens_from_text(text, 0)
    assert layout == "blank_separated"
    v = _read(toks, "applications").values()
    assert v["other_other"] == {"natural_person": 1, "commercial": 0, "research": 0, "social_welfare": 0,
                                "legal_services": 0, "other_org": 0, "total": 1}
    assert set(v["other_overdue_fee"].values()) == {0}


# plain ``pdftotext`` (no -layout) of a Chromium-printed page: text in reading order, where each row's values
# mostly stand on the line above its label, sometimes beside it, and a label's wrapped lines fall around them
READING_ORDER = """（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） 织
社法
自 商科会律
总
然 业研公服其
计
人 企机益务他
业构组机
织构
20 1 / / 1 1 23
一、本年新收政府信息公开申请数量
/ / 0 / / 0 /
二、上年结转政府信息公开申请数量
8 1 / 0 0 / 9
三、本年度办 （一）予以公开
理结果
（二）部分公开（区分处理的，只计这一情形，不计其他情形） 4 0 0 / / 0 4
/ / / 0 0 / /
1.属于国家秘密
0 0 0 / 0 0 0
2.其他法律行政法规禁止公开
0 0 / 0 0 / 0
3.危及“三安全一稳定”
/ 0 / 0 0 / /
（三）不予 4.保护第三方合法权益
公开
1 0 0 0 / / 1
5.属于三类内部事务信息
1 0 0 / 0 0 1
6.属于四类过程性信息
1 / 0 0 / 0 1
7.属于行政执法案卷
0 0 0 0 0 0 0
8.属于行政查询事项
2 / 0 0 / / 2
（四）无法 1.2.本机关不掌握相关政府信息
/ / / / 0 / 0
没有现成信息需要另行制作
提供
1 0 0 0 / / 1
3.补正后申请内容仍不明确

1 0 / 0 0 0 1
信访举报投诉类申请
0 0 0 / / 1 1
2.重复申请
（五）不予 3.要求提供公开出版物
0 0 / 0 0 0 /
处理
/ 0 0 0 1 0 1
4.无正当理由大量反复申请
/ / / 0 0 / /
5.要求行政机关确认或重新出具已获取信息
1.申请人无正当理由逾期不补正、行政机关不再处
/ 0 0 0 0 / 0
理其政府信息公开申请
（六）其他 2.申请人逾期未按收费通知要求缴纳费用、行政机
0 0 0 0 / / 0
处理
关不再处理其政府信息公开申请
0 0 / / / / 0
3.其他
19 1 0 / 1 1 22
（七）总计
1 0 / 0 / / 1
四、结转下年度继续处理
"""


def test_values_printed_above_their_labels_are_dealt_to_the_rows_in_order():
    """Read before: every row took the values of the row below it (予以公开 read 4 for a printed 8, 结转
    from the year before 8 for a printed blank), with failing sums but no null."""
    t = read_table(tokens_from_text(READING_ORDER, 0)[1], load_spec().table("applications", "2021"), "2021")
    v = t.values()
    cols = ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total")
    assert list(v["new_received"].values()) == [20, 1, None, None, 1, 1, 23]
    assert list(v["carried_over"].values()) == [None, None, 0, None, None, 0, None]
    assert list(v["granted"].values()) == [8, 1, None, 0, 0, None, 9]
    assert list(v["partially_granted"].values()) == [4, 0, 0, None, None, 0, 4]
    assert list(v["unavailable_not_held"].values()) == [2, None, 0, 0, None, None, 2]
    assert list(v["unavailable_needs_creation"].values()) == [None, None, None, None, 0, None, 0]
    assert list(v["total"].values()) == [19, 1, 0, None, 1, 1, 22]
    assert list(v["carried_forward"].values()) == [1, 0, None, 0, None, None, 1]
    assert list(v["total"]) == list(cols)
    assert any("reading order" in w and "every sum of the table holds" in w for w in t.warnings)


def test_values_above_their_labels_that_cannot_be_dealt_exactly_are_never_guessed():
    """The values of the last three rows printed after the table (pdftotext moved them below the next
    heading): the rows cannot be dealt their values exactly, so a row is read only where both ways of
    reading agree and no sum of the table fails on it; every other is null with the readings as
    candidates."""
    lines = READING_ORDER.splitlines()
    cut = [ln for ln in lines if ln not in ("0 0 / / / / 0", "19 1 0 / 1 1 22", "1 0 / 0 / / 1")]
    t = read_table(tokens_from_text("\n".join(cut), 0)[1], load_spec().table("applications", "2021"), "2021")
    truth = read_table(tokens_from_text(READING_ORDER, 0)[1], load_spec().table("applications", "2021"), "2021")
    got, want = t.values(), truth.values()
    stated = [(r, c) for r, cols in got.items() for c, x in cols.items() if x is not None]
    assert all(got[r][c] == want[r][c] for r, c in stated)  # (here none: every row's sums fail one way)
    assert got["carried_over"]["natural_person"] is None and t.cells["carried_over"]["natural_person"].candidates
    # each such cell keeps a token of its row: its null is the rules' reading (provenance with candidates),
    # which a model's reading does not fill (combine), not a cell no rule found
    assert all(p.token is not None for p in t.cells["new_received"].values())
    assert any("whose they are the text does not settle" in w for w in t.warnings)


def test_table_two_a_cell_a_line_above_its_labels():
    text = """第二十条第（一）项
信息内容
本年制发件数
本年废止件数
现行有效件数
3
0
12
规章
5
1
40
行政规范性文件
第二十条第（五）项
信息内容
本年处理决定数量
7
行政许可
第二十条第（六）项
信息内容
本年处理决定数量
9
行政处罚
4
行政强制
第二十条第（八）项
本年收费金额（单位：万元）
行政事业性收费 2.5
"""
    t = read_table(tokens_from_text(text, 0)[1], load_spec().table("active_disclosure", "2021"), "2021")
    v = t.values()
    assert v["regulations"] == {"issued": 3, "abolished": 0, "in_force": 12}
    assert v["normative_documents"] == {"issued": 5, "abolished": 1, "in_force": 40}
    assert (v["licensing"]["decisions"], v["punishment"]["decisions"], v["coercion"]["decisions"]) == (7, 9, 4)
    assert v["fees"]["amount"] == 2.5


def test_a_docx_saved_as_text_prints_a_cell_a_line_and_an_empty_cell_as_an_empty_line():
    """LibreOffice's text of a DOCX: nothing between cells, an empty line for an empty cell, and empty
    lines for the merged cells of a group label before a row. Read before as cells parted by blank
    lines: one blank short a row, so each row's 总计 landed in 其他."""
    text = ("申请人情况\n（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\n申\n请\n人\n情\n况\n\n自\n然\n人\n法"
            "人或其他组织\n总\n计\n\n\n商\n业\n企\n业\n科\n研\n机\n构\n社\n会\n公\n益\n组\n织\n法\n律\n服\n务"
            "\n机\n构\n其\n他\n\n"
            "一、本年新收政府信息公开申请数量\n\n\n\n\n\n\n0\n"
            "二、上年结转政府信息公开申请数量\n\n\n\n\n\n\n0\n"
            "三、本年度办理结果\n（一）予以公开\n\n\n\n\n\n\n0\n"
            "\n（二）部分公开（区分处理的，只计这一情形，不计其他情形）\n\n\n\n\n\n\n0\n"
            "\n（三）不予公开\n1.属于国家秘密\n\n\n\n\n\n\n0\n"
            "\n\n2.其他法律行政法规禁止公开\n\n\n\n\n\n\n0\n"
            "\n\n3.危及“三安全一稳定”\n\n\n\n\n\n\n0\n"
            "\n\n4.保护第三方合法权益\n\n\n\n\n\n\n0\n"
            "\n\n5.属于三类内部事务信息\n\n\n\n\n\n\n0\n"
            "\n\n6.属于四类过程性信息\n\n\n\n\n\n\n0\n"
            "\n\n7.属于行政执法案卷\n\n\n\n\n\n\n0\n"
            "\n\n8.属于行政查询事项\n\n\n\n\n\n\n0\n"
            "\n（四）无法提供\n1.本机关不掌握相关政府信息\n\n\n\n\n\n\n0\n"
            "\n\n2.没有现成信息需要另行制作\n\n\n\n\n\n\n0\n"
            "\n\n3.补正后申请内容仍不明确\n\n\n\n\n\n\n0\n"
            "\n（五）不予处理\n1.信访举报投诉类申请\n\n\n\n\n\n\n0\n"
            "\n\n2.重复申请\n\n\n\n\n\n\n0\n"
            "\n\n3.要求提供公开出版物\n\n\n\n\n\n\n0\n"
            "\n\n4.无正当理由大量反复申请\n\n\n\n\n\n\n0\n"
            "\n\n5.要求行政机关确认或重新出具已获取信息\n\n\n\n\n\n\n0\n"
            "\n（六）其他处理\n\n\n\n\n\n\n0\n"
            "\n（七）总计\n\n\n\n\n\n\n0\n"
            "四、结转下年度继续办理\n\n\n\n\n\n\n0\n"
            )
    layout, toks = tokens_from_text(text, 0)
    assert layout == "cell_lines"
    v = read_table(toks, load_spec().table("applications", "2019"), "2019").values()  # one （六）其他处理 row
    for key in v:  # every row prints its 总计 alone: 0
        assert v[key] == dict.fromkeys(v[key], None) | {"total": 0}, key


def test_pipe_rows_without_borders_end_in_an_empty_cell():
    """html2text's Markdown of a page: cells parted by "|", no border on either side, so white space after
    the last "|" is the row's empty last cell. Read before as a trailing border: "65| |" under three
    columns lost a blank, and 65 was split into 6 and 5."""
    text = ("第二十条第（一）项  \n---  \n信息内容| 本年制发件数| 本年废止件数| 现行有效件数  \n规章| | |   \n"
            "行政规范性文件| 65| |   \n")
    layout, toks = tokens_from_text(text, 0)
    assert layout == "pipe_rows"
    v = read_table(toks, load_spec().table("active_disclosure", "2021"), "2021").values()
    assert v["normative_documents"] == {"issued": 65, "abolished": None, "in_force": None}
    assert v["regulations"] == {"issued": None, "abolished": None, "in_force": None}
    # rows with borders on both sides ("| 规章 | | | |"), or on the right only (seed 002: "规章 | | ||"), as before
    for bordered in ("| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n| 规章 | | | |\n| 行政规范性文件 | 65 | | |\n",
                     "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n规章 | | ||\n行政规范性文件 | 65 | ||\n"):
        layout, toks = tokens_from_text("第二十条第（一）项 |\n" + bordered, 0)
        v = read_table(toks, load_spec().table("active_disclosure", "2021"), "2021").values()
        assert layout == "pipe_rows" and v["normative_documents"] == {"issued": 65, "abolished": None, "in_force": None}


def test_cells_each_followed_by_a_blank_line_print_an_empty_cell_as_two():
    """docx2txt's text of a DOCX: every cell prints a blank line after it, so an empty cell is two empty
    lines and a row's six empty cells before its 总计 are thirteen. Read before as one empty line per empty
    cell: twelve blanks for seven columns, and some rows' 总计 went to another column (0 for a blank)."""
    rows = [("一、本年新收政府信息公开申请数量", "", "5"), ("二、上年结转政府信息公开申请数量", "1", "1"),
            ("三、本年度办理结果", None, None), ("（一）予以公开", "", "4"),
            ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "2", "2")]

    def page(per_blank: int) -> str:
        out = ""
        for label, first, total in rows:
            out += f"{label}\n\n"
            if total is None:
                continue  # a group label's row: its cells are the merged group's
            cells = [first] + [""] * 5 + [total]
            out += "".join(f"{c}\n\n" if c else "\n" * per_blank for c in cells)
        return out

    spec = load_spec().table("applications", "2021")
    for per_blank in (2, 1):  # docx2txt's text, and seed 000's (one empty line per empty cell), as before
        text = page(per_blank)
        layout, toks = tokens_from_text(text, 0)
        assert layout == "blank_separated"
        # (read the way parse_tables reads a region)
        from gainlp.document import Document
        from gainlp.rules.sections import find_sections

        doc = Document.from_text("三、收到和处理政府信息公开申请情况\n" + text)
        v = parse_tables(doc, find_sections(doc), year=2021, template="2021").tables["applications"]
        assert v["new_received"] == dict.fromkeys(spec.rows[0].columns, None) | {"total": 5}, per_blank
        assert v["carried_over"] == dict.fromkeys(spec.rows[1].columns, None) | {"natural_person": 1, "total": 1}
        assert v["partially_granted"]["natural_person"] == 2 and v["granted"]["total"] == 4


def test_last_rows_values_printed_after_the_next_heading_are_that_tables():
    """Plain pdftotext of a printed page may set the values of table 三's last rows after the heading of
    section 四 (the corpus's reading-order prints, e.g. gaj-2024): they are taken back from table 四's text,
    as many as make the rows' dealing exact, and table 四 reads without them. Before, table 三 read them
    as no row's (its rows null) and table 四 as rows of 7 cells (null)."""
    spilled = ("0 0 / / / / 0", "19 1 0 / 1 1 22", "1 0 / 0 / / 1")
    lines = READING_ORDER.splitlines()
    table3 = "\n".join(ln for ln in lines if ln not in spilled)
    text = ("三、收到和处理政府信息公开申请情况\n申请人情况\n" + table3 + "\n四、政府信息公开行政复议、行政诉讼情况\n行\n政\n复\n议\n\n"
            + "\n".join(spilled) + "\n\n行\n政\n诉\n讼\n未经复议直接起诉 复议后起诉\n"
            "结果维持 结果纠正 其他结果 尚未审结 总计\n1 0 0 0 1 0\n\n0\n\n0\n\n0\n\n0\n\n0 0 0 0 0\n"
            "五、存在的主要问题及改进情况\n无。\n")
    truth = read_table(tokens_from_text(READING_ORDER, 0)[1], load_spec().table("applications", "2021"), "2021")
    doc = Document(text=text)
    from gainlp.rules.sections import locate_sections
    result = parse_tables(doc, locate_sections(doc), year=2022, template="2021")
    assert result.tables["applications"] == truth.values()
    assert any("printed after the table" in w for w in result.warnings)
    # table 四 without them: fifteen cells, whichever way it reads them, never a 7-wide row's numbers
    review = result.tables["review_litigation"]
    assert all(v in (None, 0, 1) for cols in review.values() for v in cols.values())
    # each spilled value points back to its characters
    total = result.provenance["tables.applications.total.total"]
    assert text[total.start:total.end] == "22" and total.start > text.index("四、政府信息公开行政复议")


def test_lines_after_a_table_are_taken_only_where_they_make_its_dealing_exact():
    """A line of 7 numbers after the heading that the rows cannot take exactly stays the next table's."""
    spilled = ("0 0 / / / / 0", "19 1 0 / 1 1 22", "1 0 / 0 / / 1")
    lines = READING_ORDER.splitlines()
    table3 = "\n".join(ln for ln in lines if ln not in spilled)
    text = ("三、收到和处理政府信息公开申请情况\n申请人情况\n" + table3 + "\n四、政府信息公开行政复议、行政诉讼情况\n"
            + "\n".join(spilled[:2]) + "\n五、存在的主要问题及改进情况\n无。\n")
    doc = Document(text=text)
    from gainlp.rules.sections import locate_sections
    result = parse_tables(doc, locate_sections(doc), year=2022, template="2021")
    assert not any("printed after the table" in w for w in result.warnings)
    assert result.tables["applications"]["total"]["total"] is None


def test_a_year_set_apart_from_its_nian_by_many_spaces_is_no_cell():
    """pypdf's layout text of an office PDF justifies a heading's line: "四、…情况 2021     年我局未有…".
    The 2021 was read as table 四's reconsideration.total (one space before 年 was a date already)."""
    from gainlp.rules.table_tokens import split_text

    toks = split_text("四、政府信息公开行政复议与行政诉讼情况 2021     年我局未有政府信息公开行政复议及行政诉讼", 0)
    assert not [t for t in toks if t.kind == "value"]


def test_one_number_beside_a_printed_blank_under_three_columns_is_not_split():
    """pypdf's layout text of an office PDF, a blank line after each line: "行政规范性文件  65", then an empty
    line read as one blank cell, under 制发 / 废止 / 现行有效. Read before as 6, 5 and the blank (the 65 taken
    for digits run together), with no warning: now null, 65 unsplit among the candidates."""
    text = "\n".join(["信息内容  本年制发件数  本年废止件数  现行有效件数", "", "规章", "", "行政规范性文件  65", "", "",
                      "第二十条第（五）项", "", "信息内容  本年处理决定数量", "", "行政许可  88", ""])
    layout, toks = tokens_from_text(text, 0)
    assert layout == "blank_separated"
    t = _read(toks, "active_disclosure")
    assert t.values()["normative_documents"] == {"issued": None, "abolished": None, "in_force": None}
    assert t.cells["normative_documents"]["issued"].candidates == [6, 65]
    assert sorted(map(str, t.opens[0].readings)) == ["(6, 5, None)", "(65, None, None)", "(None, 65, None)"]


def test_values_a_cell_a_line_after_the_labels_of_two_rows_are_not_dealt_row_by_row():
    """pdfminer's text of a PDF prints a table's columns as its text boxes: "行政处罚 / 行政强制 / 25 / 9 /
    减 8 / 0 / 52 / 1" is 行政处罚 25, 减 8, 52 and 行政强制 9, 0, 1 (column by column). Dealt row by row
    before (行政处罚 25, 9, -8: three wrong cells, no warning); now null, both readings as candidates. Values a
    line a row after the labels are still dealt row by row."""
    head = "信息内容\n\n上一年项目数量\n\n本年增/减\n\n处理决定数量\n\n"
    cells = "\n\n".join(["行政处罚", "行政强制", "25", "9", "减 8", "0", "52", "1"])
    layout, toks = tokens_from_text(head + cells + "\n\n第二十条第（八）项\n", 0)
    t = _read(toks, "active_disclosure", "2019")
    v = t.values()
    assert v["punishment"] == {"prev_count": None, "change": None, "decisions": None}
    assert v["coercion"] == {"prev_count": None, "change": None, "decisions": None}
    assert t.cells["punishment"]["change"].candidates == [-8, 9]
    assert any("column by column" in w for w in t.warnings)

    rows = "行政处罚\n行政强制\n25 -8 52\n9 0 1\n第二十条第（八）项\n"
    layout, toks = tokens_from_text("信息内容 上一年项目数量 本年增/减 处理决定数量\n" + rows, 0)
    v = _read(toks, "active_disclosure", "2019").values()
    assert v["punishment"] == {"prev_count": 25, "change": -8, "decisions": 52}
    assert v["coercion"] == {"prev_count": 9, "change": 0, "decisions": 1}


def test_a_grid_table_reads_each_cell_over_its_lines():
    """reStructuredText's grid table (pandoc's rst and Markdown of a page): a label wrapped over the row's
    lines in its column, CJK characters two columns wide, the merged label columns printed empty. Read
    before as pipe rows, a line at a time: "十条" of "第二 / 十条第（一）项" was 10 条 and cells were wrong."""
    text = """+------+------+------+------+------+------+------+------+------+------+
| 一、 |      |      | 4    | 1    | 0    | 0    | 0    | 0    | 5    |
| 本年 |      |      |      |      |      |      |      |      |      |
| 新收 |      |      |      |      |      |      |      |      |      |
| 政府 |      |      |      |      |      |      |      |      |      |
| 信息 |      |      |      |      |      |      |      |      |      |
| 公开 |      |      |      |      |      |      |      |      |      |
| 申请 |      |      |      |      |      |      |      |      |      |
| 数量 |      |      |      |      |      |      |      |      |      |
+------+------+------+------+------+------+------+------+------+------+
| 三   | （   |      | 1    | 0    | 0    | 0    | 0    | 0    | 1    |
| 、本 | 一） |      |      |      |      |      |      |      |      |
| 年度 | 予以 |      |      |      |      |      |      |      |      |
| 办理 | 公开 |      |      |      |      |      |      |      |      |
| 结果 |      |      |      |      |      |      |      |      |      |
+------+------+------+------+------+------+------+------+------+------+
|      | （   | 1.   | 12   |      | 0    | 0    | 0    | 0    | 12   |
|      | 三） | 属于 |      |      |      |      |      |      |      |
|      | 不予 | 国家 |      |      |      |      |      |      |      |
|      | 公开 | 秘密 |      |      |      |      |      |      |      |
+------+------+------+------+------+------+------+------+------+------+
"""
    layout, toks = tokens_from_text(text, 0)
    assert layout == "grid"
    v = _read(toks, "applications").values()
    assert list(v["new_received"].values()) == [4, 1, 0, 0, 0, 0, 5]
    assert list(v["granted"].values()) == [1, 0, 0, 0, 0, 0, 1]
    assert list(v["withheld_state_secret"].values()) == [12, None, 0, 0, 0, 0, 12]
    twelve = next(t for t in toks if t.text == "12")
    assert text[twelve.start:twelve.end] == "12"
