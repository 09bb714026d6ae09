"""Narrative metrics by rules, and the metric matching that scores them."""
from __future__ import annotations

import json

import pytest

from gainlp.document import Document
from gainlp.evaluation import match_metrics, subject_matches
from gainlp.record import Metric
from gainlp.rules.narrative import Stated, find_metrics, load_vocab, read_quantity
from gainlp.rules.sections import find_sections
from gainlp.template import label_key

from tests.conftest import SEEDS_DIR, SHARED

SEED_IDS = sorted(p.stem for p in SEEDS_DIR.glob("*.txt"))
HUAIAN = SHARED / "data" / "real" / "huaian-2024.pdf"


def _metrics(doc: Document, regions=()) -> list[Metric]:
    return find_metrics(doc, find_sections(doc), list(regions))


def _assert_against_gold(doc: Document, gold: dict, metrics: list[Metric]) -> None:
    result = match_metrics(metrics, gold.get("narrative_metrics", []))
    assert not result.missed, f"missed gold metrics: {result.missed}"
    # precision: no extra metric on the seeds (every count in their prose is in the gold)
    assert not result.extra, f"extra metrics: {[(m.value, m.unit, m.subject) for m in result.extra]}"
    for m in metrics:
        printed = doc.text[m.start : m.end]
        assert m.unit in printed or (m.unit == "%" and "％" in printed), (m, printed)
        assert m.section is not None


@pytest.mark.parametrize("seed_id", SEED_IDS)
def test_seed_metrics(seed_id):
    doc = Document.from_text((SEEDS_DIR / f"{seed_id}.txt").read_text(encoding="utf-8"))
    gold = json.loads((SEEDS_DIR / f"{seed_id}.gold.json").read_text(encoding="utf-8"))
    _assert_against_gold(doc, gold, _metrics(doc))


def test_seed_spans_link_value_and_subject():
    doc = Document.from_text((SEEDS_DIR / "002_af43464f076faa0e.txt").read_text(encoding="utf-8"))
    metrics = _metrics(doc)
    values = [s for s in doc.layer("rules") if s.label == "METRIC_VALUE"]
    subjects = [s for s in doc.layer("rules") if s.label == "METRIC_SUBJECT"]
    assert len(values) == len(subjects) == len(metrics)
    for i, m in enumerate(metrics):
        v = next(s for s in values if s.attrs["metric"] == i)
        s = next(s for s in subjects if s.attrs["metric"] == i)
        assert (v.start, v.end, v.attrs["value"], v.attrs["unit"]) == (m.start, m.end, m.value, m.unit)
        assert label_key(s.text(doc), strip_numbering=False) == label_key(m.subject, strip_numbering=False)


def test_values_units_and_subjects():
    text = ("一年来，先后处置来文、来函1568份；受理热线留言等60余起，答复满意率99.8%以上。"
            "全年办理人大代表建议12件、政协委员提案两件。网站发布信息1.2万条，累计访问量3,119次。"
            "明确一名班子成员具体分管。年内收到1条依申请公开,均已答复。"
            "答复30件（含上年度结转申请4件，另有3件顺延到下年度答复）。"
            "组织开展了3期政务公开培训。通过不同渠道和方式公开政务信息1277条。"
            "全年收取信息处理费3940元，行政事业性收费15.5万元。今后将开展政务公开培训一次，编发公报一期。")
    got = [(m.value, m.unit, m.subject) for m in find_metrics(Document.from_text(text), [], [])]
    assert got == [
        (1568, "份", "处置来文、来函"),
        (60, "起", "受理热线留言"),
        (99.8, "%", "答复满意率"),
        (12, "件", "办理人大代表建议"),
        (2, "件", "政协委员提案"),
        (12000, "条", "网站发布信息"),
        (3119, "次", "访问量"),
        (1, "名", "班子成员"),
        (1, "条", "依申请公开"),
        (30, "件", "答复"),
        (4, "件", "上年度结转申请"),
        (3, "件", "顺延到下年度答复"),
        (3, "期", "政务公开培训"),
        (1277, "条", "公开政务信息"),
        (3940, "元", "收取信息处理费"),
        (15.5, "万元", "行政事业性收费"),
        (1, "次", "开展政务公开培训"),  # 一 closing a clause counts
        (1, "期", "编发公报"),
    ]


def test_a_count_after_a_modifier_or_list_word_counts_the_noun_after_it():
    text = "对2017年以前制发的136件规范性文件进行清理。明确1名分管领导和2名专职工作人员。对17个县直部门、12个乡镇开展检查。"
    got = [(m.value, m.unit, m.subject) for m in find_metrics(Document.from_text(text), [], [])]
    assert got == [(136, "件", "规范性文件"), (1, "名", "分管领导"), (2, "名", "专职工作人员"),
                   (17, "个", "县直部门"), (12, "个", "乡镇开展检查")]  # (the noun runs to the clause end)


def test_a_count_after_a_scope_a_quoted_name_or_a_list_counts_the_noun_after_it():
    text = ("组织全市142个预算部门公开部门预算。涉及全县14个乡镇。目录共涵盖13个一级事项。"
            "开设“国企改革”“国资监管”2个专题专栏。政务新媒体矩阵包括微信、微博、抖音3个账号。"
            "将公开事项梳理为7个大类。主动公开政府信息50条。")
    got = [(m.value, m.unit, m.subject) for m in find_metrics(Document.from_text(text), [], [])]
    assert got == [(142, "个", "预算部门公开部门预算"), (14, "个", "乡镇"), (13, "个", "一级事项"),
                   (2, "个", "专题专栏"), (3, "个", "账号"), (7, "个", "大类"), (50, "条", "主动公开政府信息")]


def test_a_noun_after_a_count_keeps_words_that_hold_a_stop_and_a_coverb_s_object_is_counted():
    text = ("发布统计公报，覆盖2.3万家公共机构。将公开事项梳理为7个大类、56个具体事项。"
            "政务公开纳入对14个设区市供销社的考核。通过“宁川政务服务网”受理申请7件。")
    got = [(m.value, m.unit, m.subject) for m in find_metrics(Document.from_text(text), [], [])]
    assert got == [(23000, "家", "公共机构"), (7, "个", "大类"), (56, "个", "具体事项"), (14, "个", "设区市供销社"),
                   (7, "件", "受理申请")]  # the channel is cut with its closing quote


def test_a_lone_verb_names_the_object_it_took_earlier_in_the_sentence():
    text = "按月发布全市法定传染病疫情概况，全年共发布12期。组织专题培训，共开展4次。全年发布15期。"
    got = [(m.subject, m.value) for m in find_metrics(Document.from_text(text), [], [])]
    # 开展 was not said before its count: no object to take; nor was 发布 in the last sentence
    assert got == [("发布全市法定传染病疫情概况", 12), ("开展", 4), ("发布", 15)]


def test_a_count_in_brackets_after_what_it_measures():
    from gainlp.rules.narrative import before_open_bracket

    text = "城乡居民医保个人缴费标准（每人每年380元）。在辖区12个村（社区）设置公开栏。答复3050件(含上年度结转申请34件)。"
    got = [(m.subject, m.value) for m in find_metrics(Document.from_text(text), [], [])]
    assert got == [("城乡居民医保个人缴费标准", 380), ("村(社区)设置公开栏", 12), ("答复", 3050), ("上年度结转申请", 34)]
    assert [before_open_bracket(s) for s in ("缴费标准（每人每年", "村（社区）干部", "镇(")] == ["缴费标准", "村（社区）干部", "镇"]


def test_measure_words_of_vehicles_volumes_and_animals_and_routines_at_night_or_rank_moves():
    text = ("出动车辆300台次。更新基础地理信息数据2.3万平方千米。向城区安全供水1.26亿立方米。越冬水鸟达2.6万只。"
            "街面巡查每晚开展1次。在考核中较上年前移2位。")
    got = [(m.value, m.unit) for m in find_metrics(Document.from_text(text), [], [])]
    assert got == [(300, "台次"), (23000, "平方千米"), (126000000, "立方米"), (26000, "只")]


def test_malformed_subjects():
    from gainlp.rules.narrative import malformed_subject

    assert [malformed_subject(s) for s in ("”提交的", "每人每年", "政务公开纳入对", "", "。（二", "镇（",
                                           "道地药材”", "因申请人未", "新增“困难群众救助一件事", "发放《防震避险手册",
                                           "接待群众现场及", "办理的", "公开的有", "土地征收类申请占", "（四）平台建设在全区",
                                           "及配套制度")] == [True] * 16
    assert not any(malformed_subject(s) for s in ("森林覆盖率稳定在", "主动公开政府信息", "设区市供销社",
                                                  "举办“开放日”活动", "未按要求补正", "村（社区）", "修订《条例》",
                                                  "应通过其他途径办理的", "经办窗口办理的有", "确定可公开的", "废止", "占比"))


def test_a_routine_s_schedule_is_no_count_but_an_amount_per_unit_is():
    text = ("政务新媒体坚持每周更新2次以上。专栏每月至少更新1次。每季度开展一次专项检查。"
            "入汛后每日编发简报1期。全年开展专项检查4次。个人缴费标准为每人每年380元。")
    got = [(m.value, m.unit) for m in find_metrics(Document.from_text(text), [], [])]
    assert got == [(4, "次"), (380, "元")]


def test_a_move_in_a_ranking_is_no_count_and_a_bracketed_noun_is_read_whole():
    text = ("在全市政务公开考核中位列第3名，较上年前进4位。排名上升2名。"
            "在辖区12个村（社区）设置公开栏。整合下辖11个市（州）局子站。先后3次专题研究政务公开工作。"
            "主动公开基本目录共8大类47项，开展保密审查1,160条次，发布政策问答6组。")
    got = [(m.value, m.unit, m.subject) for m in find_metrics(Document.from_text(text), [], [])]
    assert got[:3] == [(12, "个", "村(社区)设置公开栏"), (11, "个", "市(州)局子站"), (3, "次", "专题研究政务公开工作")]
    assert [(v, u) for v, u, _ in got[3:]] == [(8, "大类"), (47, "项"), (1160, "条次"), (6, "组")]
    got = [(m.subject, m.value) for m in find_metrics(Document.from_text("目录事项由上年的58项增加到63项。"), [], [])]
    assert got == [("目录事项", 58), ("目录事项", 63)]


def test_a_figure_stated_again_is_read_once():
    text = ("全年主动公开政府信息128条。其中公开政府信息128条均已上网。收到申请12件，答复12件。"
            "召开发布会3场，开展培训3场。")
    got = [(m.subject, m.value) for m in find_metrics(Document.from_text(text), [], [])]
    assert got == [("主动公开政府信息", 128), ("收到申请", 12), ("答复", 12), ("召开发布会", 3), ("开展培训", 3)]
    stated = Stated([Metric("主动公开政府信息", 128, "条", None, 0, 0)])
    assert stated.before("公开政府信息", 128, "条") and not stated.before("公开政府信息", 128, "件")
    assert not stated.before("答复", 128, "条") and not stated.before("", 128, "条")


def test_chinese_numerals_keep_the_wan_of_a_money_or_visit_unit():
    text = "资助金额三百一十二万元，接待群众十二万人次，发放补贴一万二千元，惠及三万人。"
    got = [(m.value, m.unit) for m in find_metrics(Document.from_text(text), [], [])]
    assert got == [(312, "万元"), (12, "万人次"), (12000, "元"), (30000, "人")]


def test_a_number_inside_a_name_or_a_weekday_is_no_count_and_trees_fish_and_products_are_counted():
    text = ("对《榕溪区支持侨资企业发展二十条》制作图文解读2期。举办“壮阔七秩 青禾印记”图片展。坚持“两条腿”走路。"
            "新增登记古树名木37株，放流苗种1.35亿尾，上架数据产品6款。")
    got = [(m.value, m.unit) for m in find_metrics(Document.from_text(text), [], [])]
    assert got == [(2, "期"), (37, "株"), (135000000, "尾"), (6, "款")]
    assert read_quantity("三集中", before="星期") is None and read_quantity("3次", before="每周") == (3, "次")


def test_a_model_count_before_a_hotline_s_name_is_none():
    for printed, after in (("12345政", "务服务便民热线"), ("12319城", "管热线"), ("12395全", "国水上搜救")):
        assert read_quantity(printed, after=after) is None
    assert read_quantity("2000盏") == (2000, "盏")
    # a measure word of its own that a name's letters follow: a shop's name, no count
    assert read_quantity("85度", after="C平潭") is None and read_quantity("5个", after="APP") == (5, "个")


def test_land_and_transaction_measure_words():
    text = "发布出让公告42宗，出让土地面积186.5公顷，涉及集体土地2,350亩，完成造林12.6万亩，公开财务收支明细3420笔。"
    got = [(m.value, m.unit) for m in find_metrics(Document.from_text(text), [], [])]
    assert got == [(42, "宗"), (186.5, "公顷"), (2350, "亩"), (126000, "亩"), (3420, "笔")]


def test_not_metrics():
    text = ("本报告包括总体情况、主动公开政府信息情况等六个部分，由六部分组成。根据《条例》（国令第711号）"
            "和（国办公开办函〔2019〕60号）要求。电话：0517-83605210，邮编：223001，地址：某路1号。"
            "2022年1月19日。学习党的二十大和二十届二中、三中全会精神。做到“三到位”，建设“四最”营商环境。"
            "把信息公开作为一项长期的工作。在2024年四个季度检查中表现良好。应在15个工作日内答复。"
            "第二十条第（一）项。一、总体情况。12345热线畅通。")
    assert find_metrics(Document.from_text(text), [], []) == []


def test_read_quantity_takes_any_measure_word_but_no_date_or_duration():
    # how a span the model labelled as a count is read: the vocabulary's units first, then any
    assert read_quantity("1,236条") == (1236, "条")
    assert read_quantity("43.02万余条") == (430200, "条")
    assert read_quantity("35万人次") == (35, "万人次")
    assert read_quantity("99.8%以上") == (99.8, "%")
    assert read_quantity("2000册") == (2000, "册")
    assert read_quantity("三百余张") == (300, "张")
    assert read_quantity("1.2万册") == (12000, "册")
    for not_a_count in ("2021年", "15天", "3个工作日", "第3批", "三季度", "12", "册", "七十", "二十万"):
        assert read_quantity(not_a_count) is None, not_a_count
    assert read_quantity("3个", after="工作日内答复") is None  # the text after the span decides
    assert read_quantity("12条", after="例") is None
    assert read_quantity("3个", after="，") == (3, "个")
    assert read_quantity("1,2", after="36条") is None  # a count cut short is no count
    assert read_quantity("50条", before="《条例》第") is None  # an ordinal
    assert read_quantity("18次", before="第") is None and read_quantity("18次", before="召开") == (18, "次")


def test_regions_and_sections():
    text = "一、总体情况\n公开信息50条。\n二、主动公开政府信息情况\n规章 3条\n三、收到和处理政府信息公开申请情况\n收到申请2件。\n"
    doc = Document.from_text(text)
    table = (text.index("规章"), text.index("三、"))
    metrics = find_metrics(doc, find_sections(doc), [table])
    assert [(m.value, m.subject, m.section) for m in metrics] == [(50, "公开信息", 1), (2, "收到申请", 3)]
    assert doc.text[metrics[0].start : metrics[0].end] == "50条"


def test_vocabulary_is_data():
    vocab = load_vocab()
    for unit in ("条", "件", "次", "份", "篇", "个", "期", "场", "项", "起", "人次", "家", "名", "万元", "元", "%"):
        assert unit in vocab.units


# ------------------------------------------------------------------------------------------ matching


def test_subject_matches():
    assert subject_matches("法规公文（部门文件）", "法规公文(部门文件)")  # punctuation and width ignored
    assert subject_matches("制作政策解读", "政策解读")  # containment
    assert subject_matches("市政府网站主动公开各类政府信息", "主动公开各类政府信息")
    assert subject_matches("政府信息公开申请受理", "受理政府信息公开申请")  # same characters
    assert not subject_matches("结果维持", "结果纠正")
    assert not subject_matches("政策解读", "新闻发布会")
    assert not subject_matches("", "答复")


def test_match_metrics_one_to_one():
    gold = [{"subject": "结果维持", "value": 72, "unit": "件"}, {"subject": "结果维持", "value": 25, "unit": "件"},
            {"subject": "合格率", "value": 100, "unit": "%"}]
    pred = [Metric("结果维持", 25, "件", 1, 0, 3), Metric("结果维持", 72, "件", 1, 5, 8),
            Metric("结果维持", 72, "件", 1, 9, 12), Metric("合格率", 100, "条", 1, 13, 16)]
    r = match_metrics(pred, gold)
    assert [(p.value, g["value"]) for p, g in r.matched] == [(25, 25), (72, 72)]
    assert r.missed == [gold[2]]  # wrong unit
    assert [p.start for p in r.extra] == [9, 13]
    assert (r.precision, r.recall) == (0.5, 2 / 3)
    assert r.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    empty = match_metrics([], [])
    assert (empty.precision, empty.recall) == (1.0, 1.0)


def test_huaian_pdf():
    readers = pytest.importorskip("gainlp.readers")
    if not hasattr(readers, "read") or not HUAIAN.is_file():
        pytest.skip("PDF reader or huaian report missing")
    doc = readers.read(HUAIAN)
    gold = json.loads(HUAIAN.with_suffix(".gold.json").read_text(encoding="utf-8"))
    assert len(gold["narrative_metrics"]) == 24
    _assert_against_gold(doc, gold, _metrics(doc))


def test_table_labels_in_prose_claim_no_text_when_no_table_is_read():
    # 行政复议 / 行政诉讼 are labels of table 四; printed in a sentence they make no table, and the counts
    # after them stay narrative
    from gainlp.pipeline import extract_document
    from gainlp.readers import read_text

    text = ("一、总体情况\n因政府信息公开被申请行政复议14件、提起行政诉讼5件，目前均未被纠错。"
            "网站全年访问量达312.5万人次，保留运维账号27个。\n")
    rec = extract_document(read_text(text))
    got = [(m.value, m.unit) for m in rec.narrative_metrics]
    assert got == [(14, "件"), (5, "件"), (312.5, "万人次"), (27, "个")]
    table = rec.tables.get("review_litigation") or {}
    assert all(v is None for cols in table.values() for v in cols.values())  # no cell read from the prose


def test_measure_words_of_livestock_calls_notices_orders_rooms_and_aircraft():
    from gainlp.rules.narrative import quantities

    text = "检疫生猪38.6万头、家禽215万羽。接听来电1025通，发布提示21则，受理预约1.1万单，建成评标室4间，植保无人机217架。12345通过热线转办，12个单位参加。"
    assert [(q.value, q.unit) for q in quantities(text)] == [
        (386000, "头"), (2150000, "羽"), (1025, "通"), (21, "则"), (11000, "单"), (4, "间"), (217, "架"), (12, "个")]


def test_a_congress_session_is_no_count():
    from gainlp.rules.narrative import is_no_count

    text = "办理省十三届人大二次会议代表建议三件。召开2次会议。十四届三次全会精神。"
    assert is_no_count(text, 0, text.index("二次"), "次")
    assert not is_no_count(text, text.index("召开"), text.index("2次"), "次")
    assert is_no_count(text, text.index("十四届"), text.index("三次"), "次")


def test_grammar_after_blind_test9():
    """Found on blind test9 after it was scored (each a class of text, not its sentences): a list item 一张
    is a count, the end of a range of ordinals is none, 问 is a measure word, the body itself (全院, 本馆) is
    a scope, and a clause of filler and counts only is named by the clause before it in the sentence."""
    doc = Document.from_text(
        "一、总体情况\n公开办事流程图一张、政策问答25问。证件号码一律隐去第5至12位。"
        "将政务公开纳入全院九个处室的考核，梳理本馆26项公共服务事项。编制主动公开目录，共4大类33项。\n")
    got = [(m.subject, m.value, m.unit) for m in _metrics(doc)]
    assert got == [("公开办事流程图", 1, "张"), ("政策问答", 25, "问"), ("处室", 9, "个"),
                   ("公共服务事项", 26, "项"), ("编制主动公开目录", 4, "大类"), ("编制主动公开目录", 33, "项")]


def test_a_model_count_inside_a_name_or_code_is_none():
    """A figure a model tagged is no count right after a letter, digit or / . - : (as for quantities):
    "6" of "IPv6改造", "5" of "PM2.5"; after Chinese text it is read with its own measure word."""
    from gainlp.rules.narrative import read_quantity

    assert read_quantity("6改造", before="Pv") is None
    assert read_quantity("5", before="2.") is None
    assert read_quantity("2000册", before="印制") == (2000, "册")


def test_a_subject_never_runs_back_across_a_heading_on_the_same_line():
    """A body printed on one line (the Pingtan corpus, lyy-2021 to lyy-2024): "…。一、总体情况今年我局共制作政务
    信息1197条" gave the subject "一、总体情况今年我局共制作政务信息"; a sub-heading whose short title a space
    sets off ("（一）主动公开 全年…") likewise."""
    import gainlp

    text = ("甲乙县文化和旅游局2023年政府信息公开工作年度报告 联系邮箱：ab@163.com。一、总体情况今年我局共制作政务信息1197条，"
            "主动公开53条。（一）主动公开 全年主动公开政府信息120条。（二）依申请公开 2023年共收到申请5件。"
            "二、主动公开政府信息情况 略。")
    got = [(m.subject, m.value) for m in gainlp.extract(text, model=None).narrative_metrics]
    assert ("制作政务信息", 1197) in got and ("主动公开政府信息", 120) in got and ("收到申请", 5) in got
    assert not any("总体情况" in s or "(一)" in s or "（一）" in s for s, _ in got)
