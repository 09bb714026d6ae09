"""The post-processor on hand-made label sequences, and the combination of model and rules."""
from __future__ import annotations

from gainlp.assemble import model_metrics, model_sections, read_model_layer, record_from_reading
from gainlp.combine import combine
from gainlp.document import Document, Span
from gainlp.pipeline import extract_document
from gainlp.readers import read_text

from .conftest import SEEDS_DIR

TEXT = """某县教育局2022年政府信息公开工作年度报告
一、总体情况
全年主动公开政府信息120条，召开新闻发布会3场，明确一名工作人员负责。
二、主动公开政府信息情况
信息内容 本年制发件数 本年废止件数 现行有效件数
规章 1 0 4
行政规范性文件 2 1 9
行政许可 30
行政处罚 12
行政强制 0
行政事业性收费 0
三、收到和处理政府信息公开申请情况
五、存在的主要问题及改进情况
无。
"""


def _span(doc: Document, text: str, label: str, nth: int = 0, score: float = 0.97) -> Span:
    start = -1
    for _ in range(nth + 1):
        start = doc.text.index(text, start + 1)
    return Span(start, start + len(text), label, "model", score)


def _sections(doc: Document, *headings: str):
    """model_sections of a document whose model tagged each of ``headings`` (first place) as SECTION."""
    return model_sections(doc, [_span(doc, h, "SECTION") for h in headings])


def test_sections_from_heading_spans_are_numbered_by_the_spec():
    doc = read_text(TEXT)
    secs = _sections(doc, "一、总体情况", "二、主动公开政府信息情况", "五、存在的主要问题及改进情况", "某县教育局")
    assert [(s.number, s.title) for s in secs] == [(1, "总体情况"), (2, "主动公开政府信息情况"), (5, "存在的主要问题及改进情况")]
    assert secs[0].end == secs[1].start


def test_a_heading_the_page_wrapped_has_its_title_on_one_line():
    # pdftotext of a body printed on one line: the heading wraps, and the model's span runs across the
    # break; a span that takes in the bracket of a sub-heading after the title does not keep it
    text = ("一、总体情况\n全年主动公开政府信息120条，依申请公开政府信息5条，均按时答复。二、主动公开\n"
            "政府信息情况第二十条第（一）项\n三、收到和处理政府信息公开申请情况\n五、存在的主要问题及改进情况（一）存在的问题：信息公开的范围还需扩大，时效性有待进一步增强。\n")
    doc = read_text(text)
    secs = _sections(doc, "一、总体情况", "二、主动公开\n政府信息情况", "三、收到和处理政府信息公开申请情况",
                     "五、存在的主要问题及改进情况（")
    assert [(s.number, s.title) for s in secs] == [
        (1, "总体情况"), (2, "主动公开政府信息情况"), (3, "收到和处理政府信息公开申请情况"), (5, "存在的主要问题及改进情况")]
    from gainlp.rules.sections import one_line_title
    assert one_line_title("、存在的主要问题及改进情况") == "存在的主要问题及改进情况"  # its numeral on the next line


def test_a_report_s_own_section_between_template_sections_whose_numerals_skip_it():
    text = ("一、总体情况\n全年主动公开政府信息120条。\n二、政务公开工作主要任务落实情况\n推进重点领域公开。\n"
            "三、主动公开政府信息情况\n规章 0\n四、年度工作亮点\n无。\n")
    doc = read_text(text)
    secs = _sections(doc, "一、总体情况", "二、政务公开工作主要任务落实情况", "三、主动公开政府信息情况", "四、年度工作亮点")
    # numbered as printed (the rules' numbering); the own heading after the last template one is no section
    assert [(s.number, s.title, s.key) for s in secs] == [
        (1, "总体情况", "overview"), (2, "政务公开工作主要任务落实情况", None), (3, "主动公开政府信息情况", "active_disclosure")]
    assert secs[1].start == text.index("二、政务") and secs[1].end == secs[2].start


def test_a_heading_is_its_whole_line_when_the_spans_cover_most_of_it():
    doc = read_text(TEXT)
    secs = _sections(doc, "一、总体情",  # one character short
                     "二、主动公开", "政府信息情况",  # broken in two
                     "主动公开政府信息")  # a few words of a sentence: not a heading
    assert [(s.number, s.title) for s in secs] == [(1, "总体情况"), (2, "主动公开政府信息情况")]


def test_a_model_subject_of_filler_or_of_a_change_takes_the_grammar_s_or_the_last_one_s():
    doc = read_text("计划开展宣传进社区活动不少于10场。目录事项由原来的58项增加到63项。12345政务服务便民热线畅通。"
                    "拟发展信息联络员不少于20名。")
    spans = [_span(doc, "不少于", "METRIC_SUBJECT"), _span(doc, "10场", "METRIC_VALUE"),
             _span(doc, "不少", "METRIC_SUBJECT", nth=1), _span(doc, "于20名", "METRIC_VALUE"),
             _span(doc, "目录事项", "METRIC_SUBJECT"), _span(doc, "58项", "METRIC_VALUE"),
             _span(doc, "增加到", "METRIC_SUBJECT"), _span(doc, "63项", "METRIC_VALUE"),
             _span(doc, "12345政", "METRIC_VALUE"), _span(doc, "热线", "METRIC_SUBJECT")]
    got = [(m.subject, m.value, m.unit) for m, _ in model_metrics(doc, spans, [])]
    assert got == [("计划开展宣传进社区活动", 10, "场"), ("目录事项", 58, "项"), ("目录事项", 63, "项"),
                   ("拟发展信息联络员", 20, "名")]


def test_a_subject_after_a_count_is_in_its_clause():
    doc = read_text("计划开展宣传进社区活动不少于10场，组织业务培训不少于4期。")
    spans = [_span(doc, "开展宣传进社区活动", "METRIC_SUBJECT"), _span(doc, "10场", "METRIC_VALUE"),
             _span(doc, "组织业务培训", "METRIC_SUBJECT"), _span(doc, "4期", "METRIC_VALUE")]
    got = [(m.subject, m.value, m.unit) for m, _ in model_metrics(doc, spans, [])]
    assert got == [("开展宣传进社区活动", 10, "场"), ("组织业务培训", 4, "期")]


def test_metric_values_pair_with_their_subjects_before_or_after():
    doc = read_text(TEXT)
    spans = [_span(doc, "主动公开政府信息", "METRIC_SUBJECT"), _span(doc, "120条", "METRIC_VALUE"),
             _span(doc, "新闻发布会", "METRIC_SUBJECT"), _span(doc, "3场", "METRIC_VALUE"),
             _span(doc, "一名", "METRIC_VALUE"), _span(doc, "工作人员", "METRIC_SUBJECT")]
    got = [(m.subject, m.value, m.unit) for m, _ in model_metrics(doc, spans, [])]
    assert got == [("主动公开政府信息", 120, "条"), ("新闻发布会", 3, "场"), ("工作人员", 1, "名")]


def test_a_model_metric_may_have_a_measure_word_the_rules_do_not_list():
    doc = read_text("发放宣传册2,000册，回复群众来信56封。")
    spans = [_span(doc, "发放宣传册", "METRIC_SUBJECT"), _span(doc, "2,000册", "METRIC_VALUE"),
             _span(doc, "回复群众来信", "METRIC_SUBJECT"), _span(doc, "56封", "METRIC_VALUE")]
    got = [(m.subject, m.value, m.unit) for m, _ in model_metrics(doc, spans, [])]
    assert got == [("发放宣传册", 2000, "册"), ("回复群众来信", 56, "封")]


def test_table_cells_and_labels_placed_on_the_grid():
    doc = read_text(TEXT)
    spans = [_span(doc, "规章", "TABLE_LABEL"), _span(doc, "行政规范性文件", "TABLE_LABEL"),
             _span(doc, "行政处罚", "TABLE_LABEL")]
    punish = doc.text.index("行政处罚 12") + 5
    spans.append(Span(punish, punish + 2, "TABLE_CELL", "model", 0.9))
    line = doc.text.index("规章 1 0 4")
    spans += [Span(line + 3, line + 4, "TABLE_CELL", "model", 0.9), Span(line + 5, line + 6, "TABLE_CELL", "model", 0.9),
              Span(line + 7, line + 8, "TABLE_CELL", "model", 0.9)]
    doc.layers["model"] = spans
    reading = read_model_layer(doc, "2021", extract_document(read_text(TEXT)).sections)
    t = reading.tables["active_disclosure"].values()
    assert t["regulations"] == {"issued": 1, "abolished": 0, "in_force": 4}
    assert t["punishment"]["decisions"] == 12
    rec = record_from_reading(doc, reading, "2021")
    assert rec.provenance["tables.active_disclosure.regulations.issued"].method == "model"
    assert rec.provenance["tables.active_disclosure.regulations.issued"].confidence == 0.9


def test_model_spans_copied_from_rules_reproduce_the_rules_record():
    """A perfect model (its spans = the rules' spans) must give back the same record."""
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        doc = read_text(path.read_text(encoding="utf-8"), path=str(path))
        rules = extract_document(doc)
        doc.layers["model"] = [Span(s.start, s.end, s.label, "model", 0.99, s.attrs) for s in doc.layers["rules"]]
        reading = read_model_layer(doc, rules.template, [])
        model_only = record_from_reading(doc, reading, rules.template)
        assert model_only.flat() == rules.flat(), path.name
        assert [s.title for s in model_only.sections] == [s.title for s in rules.sections]
        assert sorted((m.value, m.unit) for m in model_only.narrative_metrics) == sorted(
            (m.value, m.unit) for m in rules.narrative_metrics)


class _WrongTagger:
    """A model that reads 行政处罚's value wrong (it misses "12" and takes the next row's "0") and sees
    nothing else."""

    def tag(self, doc, skip=()):
        start = doc.text.index("行政处罚 12")
        zero = doc.text.index("行政强制 0") + 5
        doc.layers["model"] = [Span(start, start + 4, "TABLE_LABEL", "model", 0.6),
                               Span(zero, zero + 1, "TABLE_CELL", "model", 0.6)]
        return doc.layers["model"]


def test_model_cells_take_the_extent_of_the_printed_cell():
    """A number the model tags in part ("1" of "12"), or a label it tags in two pieces, is the printed cell."""
    doc = read_text(TEXT)
    start = doc.text.index("行政处罚 12")
    doc.layers["model"] = [Span(start, start + 2, "TABLE_LABEL", "model", 0.8),
                           Span(start + 2, start + 4, "TABLE_LABEL", "model", 0.7),
                           Span(start + 5, start + 6, "TABLE_CELL", "model", 0.9)]
    reading = read_model_layer(doc, "2021", extract_document(read_text(TEXT)).sections)
    placed = reading.tables["active_disclosure"].cells["punishment"]["decisions"]
    assert placed.value == 12
    assert (placed.token.start, placed.token.end, placed.token.score) == (start + 5, start + 7, 0.9)


def test_combination_keeps_the_more_confident_reading_and_records_provenance():
    rec = extract_document(read_text(TEXT), tagger=_WrongTagger())
    assert rec.tables["active_disclosure"]["punishment"]["decisions"] == 12
    assert rec.provenance["tables.active_disclosure.punishment.decisions"].method == "rules"


class _FillingTagger:
    """A model that finds a metric the rules do not know."""

    def tag(self, doc, skip=()):
        doc.layers["model"] = [_span(doc, "无", "METRIC_SUBJECT", score=0.95)]
        return doc.layers["model"]


def test_combination_without_model_findings_equals_rules():
    rules = extract_document(read_text(TEXT))
    combined = extract_document(read_text(TEXT), tagger=_FillingTagger())
    assert combined.flat() == rules.flat()
    assert [(m.subject, m.value) for m in combined.narrative_metrics] == [
        (m.subject, m.value) for m in rules.narrative_metrics]
    assert combine(rules, read_model_layer(read_text(TEXT), "2021", rules.sections)) is rules


PROSE = "一、总体情况\n对2017年以前制发的136件规范性文件进行清理，发放宣传册2,000册，召开新闻发布会3场。\n"


class _MetricTagger:
    """A model that reads the prose's counts, with the given confidence."""

    def __init__(self, score):
        self.score = score

    def tag(self, doc, skip=()):
        s = self.score
        doc.layers["model"] = [
            _span(doc, "以前制发", "METRIC_SUBJECT", score=s), _span(doc, "136件", "METRIC_VALUE", score=s),
            _span(doc, "发放宣传册", "METRIC_SUBJECT", score=s), _span(doc, "2,000册", "METRIC_VALUE", score=s),
            _span(doc, "召开新闻发布会", "METRIC_SUBJECT", score=s), _span(doc, "3场", "METRIC_VALUE", score=s)]
        return doc.layers["model"]


def test_the_model_confirms_rule_metrics_and_the_rules_subject_stands():
    rules = extract_document(read_text(PROSE))
    assert [(m.subject, m.value, m.unit) for m in rules.narrative_metrics] == [
        ("规范性文件", 136, "件"), ("发放宣传册", 2000, "册"), ("召开新闻发布会", 3, "场")]
    assert [rules.metric_provenance(i).method for i in range(3)] == ["rules"] * 3

    combined = extract_document(read_text(PROSE), tagger=_MetricTagger(0.97))
    assert [(m.subject, m.value, m.unit) for m in combined.narrative_metrics] == [
        (m.subject, m.value, m.unit) for m in rules.narrative_metrics]  # a different subject: the rules'
    provs = [combined.metric_provenance(i) for i in range(3)]
    # the first: the model's subject before the count ("以前制发") is set aside by the grammar the rules
    # share (a count right after 的 counts the noun after it), so the model reads 规范性文件 and confirms
    assert [(p.method, p.confidence) for p in provs] == [("model", 0.97), ("model", 0.97), ("model", 0.97)]
    assert combined.to_dict()["provenance"]["narrative_metrics.1"]["method"] == "model"


def test_where_the_model_names_another_subject_the_rules_subject_stands():
    text = "一、总体情况\n围绕政务公开，全年举办培训班3期，参训人员80人次。\n"

    class Tagger:
        def tag(self, doc, skip=()):
            doc.layers["model"] = [_span(doc, "政务公开", "METRIC_SUBJECT", score=0.97),
                                   _span(doc, "3期", "METRIC_VALUE", score=0.97),
                                   _span(doc, "参训人员", "METRIC_SUBJECT", score=0.97)]
            return doc.layers["model"]

    got = extract_document(read_text(text), tagger=Tagger())
    assert [(m.subject, m.value, m.unit) for m in got.narrative_metrics] == [
        ("举办培训班", 3, "期"), ("参训人员", 80, "人次")]
    assert got.metric_provenance(0).method == "rules"


def test_where_the_rules_subject_is_malformed_the_model_s_names_the_count():
    text = "一、总体情况\n城乡居民医保个人缴费标准：每人每年380元。将政务公开纳入对14个设区市供销社的考核。\n"
    rules = extract_document(read_text(text))
    assert [(m.subject, m.value) for m in rules.narrative_metrics] == [("每人每年", 380), ("设区市供销社", 14)]

    class Tagger:
        def tag(self, doc, skip=()):
            doc.layers["model"] = [_span(doc, "城乡居民医保个人缴费标准", "METRIC_SUBJECT", score=0.6),
                                   _span(doc, "380元", "METRIC_VALUE", score=0.6),
                                   _span(doc, "政务公开纳入对", "METRIC_SUBJECT", score=0.99),
                                   _span(doc, "14个", "METRIC_VALUE", score=0.99)]
            return doc.layers["model"]

    got = extract_document(read_text(text), tagger=Tagger())
    # the rules' 每人每年 names nothing counted: the model's subject; the model's own 纳入对 (a coverb) gives
    # way to the grammar's noun after the count, which then confirms the rule metric
    assert [(m.subject, m.value) for m in got.narrative_metrics] == [("城乡居民医保个人缴费标准", 380),
                                                                    ("设区市供销社", 14)]
    assert [(got.metric_provenance(i).method, got.metric_provenance(i).confidence) for i in range(2)] == [
        ("model", 0.6), ("model", 0.99)]


def test_a_model_metric_is_added_from_metric_confident_and_never_with_a_malformed_subject():
    from gainlp.assemble import METRIC_CONFIDENT

    text = "一、总体情况\n办理信访事项56桩。编印简报12期。\n"  # 桩: no unit of the rules

    def tagger(subject, score):
        class Tagger:
            def tag(self, doc, skip=()):
                doc.layers["model"] = [_span(doc, subject, "METRIC_SUBJECT", score=score),
                                       _span(doc, "56桩", "METRIC_VALUE", score=score)]
                return doc.layers["model"]
        return Tagger()

    def got(subject, score):
        return [(m.value, m.unit) for m in extract_document(read_text(text), tagger=tagger(subject, score)).narrative_metrics]

    assert got("办理信访事项", METRIC_CONFIDENT) == [(56, "桩"), (12, "期")]
    assert got("办理信访事项", METRIC_CONFIDENT - 0.01) == [(12, "期")]
    assert got("信访事项", 0.99) == [(56, "桩"), (12, "期")]


def test_a_figure_the_model_finds_without_a_subject_is_named_by_the_grammar():
    """The model tags a figure and names nothing for it (or only filler): the grammar the rules share names
    it, or it is the last figure's thing counted again; the value is read whole, without the punctuation
    or the missing first digit of the model's span."""
    from gainlp.assemble import read_model_layer

    text = ("一、总体情况\n全年主动公开政府信息412条，同比增长18.4%。公示城乡低保户1,904户2,871人。"
            "办理人大代表建议4件，办复率均为100%。明确1名分管领导、3名专职人员。审查档案目录共计410条。\n")
    doc = read_text(text)

    doc.layers["model"] = [_span(doc, "主动公开政府信息", "METRIC_SUBJECT"), _span(doc, "412条", "METRIC_VALUE"),
                           _span(doc, "18.4%。", "METRIC_VALUE"), _span(doc, "公示城乡低保户", "METRIC_SUBJECT"),
                           _span(doc, "1,904户", "METRIC_VALUE"), _span(doc, "2,871人", "METRIC_VALUE"),
                           _span(doc, "办理人大代表建议", "METRIC_SUBJECT"), _span(doc, "4件", "METRIC_VALUE"), _span(doc, "100%", "METRIC_VALUE"),
                           _span(doc, "1名", "METRIC_VALUE"), _span(doc, "分管领导", "METRIC_SUBJECT"), _span(doc, "、3名", "METRIC_VALUE"),
                           _span(doc, "专职人员", "METRIC_SUBJECT"),
                           _span(doc, "10条", "METRIC_VALUE")]  # inside 410条: its first digit left out
    got = [(m.subject, m.value, m.unit) for m, _ in read_model_layer(doc, "2021", []).metrics]
    assert got == [("主动公开政府信息", 412, "条"), ("同比增长", 18.4, "%"), ("公示城乡低保户", 1904, "户"),
                   ("公示城乡低保户", 2871, "人"), ("办理人大代表建议", 4, "件"), ("办复率", 100, "%"),
                   ("分管领导", 1, "名"), ("专职人员", 3, "名"), ("审查档案目录", 410, "条")]


def test_a_model_value_inside_a_chinese_numeral_is_read_whole():
    """"一条" tagged inside "第二十一条" is the ordinal 第二十一条 (no count); "二场" inside "十二场" is 12."""
    from gainlp.assemble import read_model_layer

    doc = read_text("一、总体情况\n依照《条例》第二十一条规定，全年举办培训十二场。\n")
    doc.layers["model"] = [_span(doc, "依照《条例》", "METRIC_SUBJECT"), _span(doc, "一条", "METRIC_VALUE"),
                           _span(doc, "举办培训", "METRIC_SUBJECT"), _span(doc, "二场", "METRIC_VALUE")]
    got = [(m.subject, m.value, m.unit) for m, _ in read_model_layer(doc, "2021", []).metrics]
    assert got == [("举办培训", 12, "场")]


def test_a_count_the_model_left_untagged_beside_a_sure_subject_is_read():
    """"设置…等7个子栏目": the model tags 子栏目 (sure) and not 7个; the grammar reads the count beside it.
    A subject below METRIC_CONFIDENT, or a count not beside the subject, gives nothing."""
    from gainlp.assemble import METRIC_CONFIDENT, read_model_layer

    text = "一、总体情况\n设置机构概况、捐赠公示等7个子栏目。子栏目的内容每年更新，其中5项为新增。\n"

    def got(score):
        doc = read_text(text)
        k = text.index("子栏目")
        doc.layers["model"] = [Span(k, k + 3, "METRIC_SUBJECT", "model", score),
                               _span(doc, "子栏目的内容", "METRIC_SUBJECT", score=score)]
        return [(m.subject, m.value, m.unit, round(c, 2)) for m, c in read_model_layer(doc, "2021", []).metrics]

    assert got(0.95) == [("子栏目", 7, "个", 0.95)]
    assert got(METRIC_CONFIDENT - 0.01) == []


def test_a_verb_alone_as_the_model_s_subject_gives_way_to_the_grammar_s():
    """The model names "提高" (a change) or "发布" (a verb whose object came before): the grammar's subject,
    which holds it and says what changed or what was published, names the count."""
    from gainlp.assemble import read_model_layer

    text = "一、总体情况\n全年工作有序推进。政策解读覆盖率比上年提高6.5个百分点。按月发布疫情概况，全年共发布12期。废止规章5件。\n"
    doc = read_text(text)
    doc.layers["model"] = [_span(doc, "提高", "METRIC_SUBJECT"), _span(doc, "6.5个百分点", "METRIC_VALUE"),
                           Span(text.rindex("发布"), text.rindex("发布") + 2, "METRIC_SUBJECT", "model", 0.99),
                           _span(doc, "12期", "METRIC_VALUE"),
                           _span(doc, "废止", "METRIC_SUBJECT"), _span(doc, "5件", "METRIC_VALUE")]
    got = [(m.subject, m.value) for m, _ in read_model_layer(doc, "2021", []).metrics]
    assert got == [("政策解读覆盖率比上年提高", 6.5), ("发布疫情概况", 12), ("废止", 5)]


def test_a_sure_model_adds_a_count_no_rule_reads():
    text = "一、总体情况\n办理信访事项56桩，编印简报12期。\n"  # 桩: no unit of the rules
    rules = extract_document(read_text(text))
    assert [(m.value, m.unit) for m in rules.narrative_metrics] == [(12, "期")]

    class Tagger:
        def tag(self, doc, skip=()):
            doc.layers["model"] = [_span(doc, "办理信访事项", "METRIC_SUBJECT"), _span(doc, "56桩", "METRIC_VALUE")]
            return doc.layers["model"]

    got = extract_document(read_text(text), tagger=Tagger())
    assert [(m.subject, m.value, m.unit) for m in got.narrative_metrics] == [
        ("办理信访事项", 56, "桩"), ("编印简报", 12, "期")]
    assert got.metric_provenance(0).method == "model" and got.metric_provenance(1).method == "rules"


class _MetadataTagger:
    """A model that reads the agency and year, with the given confidence and agency text."""

    def __init__(self, agency: str, score: float):
        self.agency, self.score = agency, score

    def tag(self, doc, skip=()):
        doc.layers["model"] = [_span(doc, self.agency, "AGENCY", score=self.score),
                               _span(doc, "2022", "YEAR", score=self.score)]
        return doc.layers["model"]


def test_rules_metadata_has_provenance():
    rec = extract_document(read_text(TEXT))
    prov = rec.field_provenance["agency"]
    assert rec.agency == "某县教育局" and prov.method == "rules"
    assert read_text(TEXT).text[prov.start:prov.end] == "某县教育局"
    assert rec.field_provenance["year"].method == "rules" and rec.year == 2022


def test_the_model_agency_where_the_rules_read_none_or_an_implausible_one():
    sure = extract_document(read_text(TEXT), tagger=_MetadataTagger("某县教育局", 0.9))
    assert sure.agency == "某县教育局" and sure.field_provenance["agency"].method == "model"  # it confirms
    assert sure.field_provenance["agency"].confidence == 0.9 and sure.field_provenance["year"].method == "model"
    # a name that does not end like a body's ("某县教育"), or a model that is unsure: the rules' stands
    for agency, score in (("某县教育", 0.95), ("某县教育局", 0.3)):
        rec = extract_document(read_text(TEXT), tagger=_MetadataTagger(agency, score))
        assert rec.agency == "某县教育局" and rec.field_provenance["agency"].method == "rules", (agency, score)
    # both plausible and different: the rules' stands, with a warning naming the model's
    text = TEXT.replace("全年主动公开", "某县教育局办公室全年主动公开")
    rec = extract_document(read_text(text), tagger=_MetadataTagger("某县教育局办公室", 0.95))
    assert rec.agency == "某县教育局" and "某县教育局办公室" in rec.warnings[-1]
    # the rules' value fails the check: the model's decides
    from gainlp.assemble import ModelReading, Scored
    from gainlp.combine import _merge_metadata
    from gainlp.document import Span

    rec = extract_document(read_text(TEXT))
    rec.agency = "标题某县教育局"
    _merge_metadata(rec, ModelReading(agency=Scored("某县教育局", Span(0, 5, "AGENCY", "model", 0.8))))
    assert rec.agency == "某县教育局" and rec.field_provenance["agency"].method == "model"


def test_model_sections_decide_and_the_rules_fill_the_rest():
    from gainlp.assemble import ModelReading
    from gainlp.combine import _merge_sections
    from gainlp.record import Section

    rec = extract_document(read_text(TEXT))
    rules = [(s.key, s.start) for s in rec.sections]
    assert len(rules) >= 2 and rules[0][0] == "overview"
    first = rec.sections[0]
    moved = Section(1, "总体情况", first.start + 1, rec.sections[1].start, key=first.key)
    _merge_sections(rec, ModelReading(sections=[moved]))
    assert [(s.key, s.start) for s in rec.sections] == [(first.key, moved.start)] + rules[1:]
    assert [s.number for s in rec.sections] == list(range(1, len(rules) + 1))
    assert all(a.end == b.start for a, b in zip(rec.sections, rec.sections[1:]))
    # a model heading out of the template's order: the rules' stand, with a warning
    before = [(s.key, s.start) for s in rec.sections]
    late = Section(1, "总体情况", len(TEXT) - 1, len(TEXT), key="overview")
    _merge_sections(rec, ModelReading(sections=[late]))
    assert [(s.key, s.start) for s in rec.sections] == before and "disagree" in rec.warnings[-1]


def test_metadata_provenance_in_the_json_and_back():
    from gainlp.record import Record

    rec = extract_document(read_text(TEXT))
    data = rec.to_dict()
    assert data["provenance"]["agency"]["method"] == "rules" and "tables" not in data["provenance"]["agency"]
    back = Record.from_dict(data)
    assert back.field_provenance == rec.field_provenance and back.provenance == rec.provenance


def test_headings_inside_a_one_line_body():
    """A scraped page prints the whole body on one line: headings the model tags inside it, each starting
    with its number, are sections; a tagged phrase without a number is not."""
    text = ("某县教育局2022年政府信息公开工作年度报告 一、总体情况 全年主动公开政府信息120条。"
            "二、主动公开政府信息情况 规章 0 三、收到和处理政府信息公开申请情况 无")
    doc = read_text(text)
    secs = _sections(doc, "一、总体情况", "主动公开政府信息", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况")
    assert [(s.number, s.title) for s in secs] == [(1, "总体情况"), (2, "主动公开政府信息情况"),
                                                   (3, "收到和处理政府信息公开申请情况")]
    assert secs[0].start == text.index("一、总体情况")


def test_a_grid_tables_cells_are_the_model_paths_reading_as_printed():
    """A grid table's cell is wrapped over lines between its neighbours' text, so no model span can be
    fitted to it: "1.   | 0 | 0 …" then "属于", "国家", "秘密" below put the label's pieces after its row's
    values, and the model path gave a blank row the next row's zeros (pandoc's rst of jjf-2021: 14 cells
    "0 for a blank"). There the layout's cells are the reading, whatever the model tagged."""
    from gainlp.assemble import _table_tokens
    from gainlp.rules.tables import tokens_for_region

    text = ("+------+------+------+\n| 规章 | 0    | 1    |\n+------+------+------+\n"
            "| 行政 | 2    | 3    |\n| 规范 |      |      |\n| 性文 |      |      |\n| 件   |      |      |\n"
            "+------+------+------+\n")
    doc = Document(text=text)
    noise = [Span(k, k + 1, "TABLE_LABEL", "model", 0.9) for k, ch in enumerate(text) if ch.isdigit()]
    layout_name, layout = tokens_for_region(doc, 0, len(text))
    assert layout_name == "grid"
    got = _table_tokens(doc, noise, 0, len(text))
    assert [(t.kind, t.text, t.start) for t in got] == [(t.kind, t.text, t.start) for t in layout]
