"""Readers: encodings, errors, HTML/DOCX/PDF tables with merged cells, offsets, the real PDF."""
from __future__ import annotations

import os
from pathlib import Path

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gainlp.document import Document
from gainlp.readers import SUPPORTED_EXTENSIONS, ReadError, read, read_text

from .conftest import SHARED as _SHARED_ROOT

SHARED = _SHARED_ROOT / "data"
HUAIAN = SHARED / "real" / "huaian-2024.pdf"
TEMPLATE = SHARED / "template" / "annual-report-template-2021.docx"

REPORT = "某某县人民政府2021年政府信息公开工作年度报告\n一、总体情况\n全年主动公开政府信息1200条，受理申请30件。\n"


def assert_offsets(doc: Document) -> None:
    """Every table cell's text stands at its offsets; tables span their rendered lines."""
    for table in doc.tables:
        assert 0 <= table.start <= table.end <= len(doc.text)
        for cell in table.cells():
            assert doc.text[cell.start : cell.end] == cell.text
            assert table.start <= cell.start <= cell.end <= table.end
            assert table.grid[cell.row][cell.col] is cell


def grid_texts(table) -> list[list[str | None]]:
    return [[c.text if c is not None else None for c in row] for row in table.grid]


# ---------------------------------------------------------------------------------------------
# registry and txt


def test_registry_extensions():
    for ext in (".txt", ".text", ".md", ".html", ".htm", ".docx", ".pdf"):
        assert ext in SUPPORTED_EXTENSIONS


@pytest.mark.parametrize(
    "encoding, expected",
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"), ("gbk", "gb18030"), ("utf-16", "utf-16")],
)
def test_txt_encodings_round_trip(tmp_path, encoding, expected):
    raw = REPORT.replace("\n", "\r\n").encode(encoding)
    path = tmp_path / "report.txt"
    path.write_bytes(raw)
    doc = read(path)
    assert doc.text == REPORT  # BOM stripped, CRLF -> LF
    assert doc.format == "txt" and doc.path == str(path)
    assert doc.meta["encoding"] == expected
    assert len(doc.sha256) == 64


def test_txt_old_mac_line_breaks(tmp_path):
    path = tmp_path / "a.md"
    path.write_bytes("一、总体情况\r二、主动公开\r".encode("utf-8"))
    assert read(path).text == "一、总体情况\n二、主动公开\n"


@pytest.mark.parametrize(
    "name, raw, reason",
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b" \r\n\t\n", "empty file"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary file, not text"),
        ("garbled.txt", bytes(range(0x80, 0x100)) * 3, "cannot decode text (tried utf-8, gb18030"),
    ],
)
def test_txt_errors_name_the_file(tmp_path, name, raw, reason):
    path = tmp_path / name
    path.write_bytes(raw)
    with pytest.raises(ReadError) as info:
        read(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and reason in message
    assert "\n" not in message and info.value.path == str(path)


def test_unknown_extension_and_missing_file(tmp_path):
    with pytest.raises(ReadError, match=r"a\.xyz: unsupported file type '\.xyz'"):
        read(tmp_path / "a.xyz")
    with pytest.raises(ReadError, match="file not found"):
        read(tmp_path / "missing.txt")
    path = tmp_path / "report.data"
    path.write_text(REPORT, encoding="utf-8")
    assert read(path, fmt="txt").text == REPORT  # fmt overrides the extension


def test_read_text():
    doc = read_text("\ufeff一、总体情况\r\n正文")
    assert doc.text == "一、总体情况\n正文" and doc.format == "txt" and doc.path is None
    with pytest.raises(ReadError, match="empty"):
        read_text("  \n")


# ---------------------------------------------------------------------------------------------
# html

HTML = """<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>站点</title><script>var nav = "导航脚本";</script><style>.a{color:red}</style></head><body>
<div id="header"><div class="logo">某某县人民政府门户网站</div><ul class="main-nav"><li>首页</li><li>政务公开</li></ul></div>
<div class="breadcrumb">当前位置：首页 &gt; 政务公开 &gt; 年度报告</div>
<div class="wrap"><div class="left-menu"><ul><li>机构职能</li><li>政策文件</li></ul></div>
<div class="content"><h1 class="art-title">某某县人民政府2021年政府信息公开工作年度报告</h1>
<div id="zoom">
<p>　　本报告根据《中华人民共和国政府信息公开条例》编制，所列数据统计期限自2021年1月1日起至2021年12月31日止。本报告电子版可在某某县人民政府门户网站下载。</p>
<p>一、总体情况</p>
<p>2021年，本县主动公开政府信息1200条，
全年受理政府信息公开申请30件，均在法定期限内答复。</p>
<p>二、主动公开政府信息情况</p>
<table border="1">
<tr><td colspan="4">第二十条第（一）项</td></tr>
<tr><td rowspan="2">信息内容</td><td colspan="2">本年</td><td>现行有效件数</td></tr>
<tr><td>制发件数</td><td>废止件数</td><td>&nbsp;</td></tr>
<tr><td>规章</td><td>&nbsp;</td><td>0</td><td>5</td></tr>
<tr><td>行政<br/>规范性文件</td><td>3</td><td> &nbsp; </td><td>12</td></tr>
</table>
<p>三、收到和处理政府信息公开申请情况</p>
</div></div></div>
<div class="bdsharebuttonbox"><a>分享到微信</a></div>
<footer><p>版权所有：某某县人民政府办公室</p></footer>
</body></html>"""


def test_html_tables_and_clutter(tmp_path):
    path = tmp_path / "report.htm"
    path.write_bytes(HTML.encode("gb18030"))
    doc = read(path)
    assert doc.format == "html" and doc.meta["encoding"] == "gb18030"
    for clutter in ("导航脚本", "门户网站</", "首页", "当前位置", "机构职能", "分享到微信", "版权所有", "color:red"):
        assert clutter not in doc.text
    assert doc.text.startswith("某某县人民政府2021年政府信息公开工作年度报告\n")
    assert "2021年，本县主动公开政府信息1200条，全年受理政府信息公开申请30件" in doc.text
    assert "\n一、总体情况\n" in doc.text and "\n三、收到和处理政府信息公开申请情况" in doc.text
    assert len(doc.tables) == 1
    table = doc.tables[0]
    assert_offsets(doc)
    assert grid_texts(table) == [
        ["第二十条第（一）项", None, None, None],
        ["信息内容", "本年", None, "现行有效件数"],
        [None, "制发件数", "废止件数", ""],
        ["规章", "", "0", "5"],
        ["行政规范性文件", "3", "", "12"],
    ]
    head = table.grid[1][0]
    assert (head.rowspan, head.colspan, table.grid[1][1].colspan) == (2, 1, 2)
    blank = table.grid[3][1]
    assert blank.start == blank.end and doc.text[blank.start - 1] == "\t"
    assert doc.text[table.start : table.end].split("\n")[3] == "规章\t\t0\t5"
    assert doc.text[table.end :].startswith("\n三、")


def test_html_page_inside_a_form_is_read(tmp_path):
    """ASP.NET pages put the whole page in one <form> (and LibreOffice's HTML of a saved page keeps its
    search form round the body): that form is the page, not clutter."""
    search = '<div class="search"><span>站内搜索</span><input name="q"><button>搜索</button></div>'
    body = HTML.split("<body>", 1)[1].split("</body>", 1)[0]
    page = HTML.split("<body>", 1)[0] + ('<body><form method="post" action="./show.aspx?id=86684" id="form1">'
                                         '<input type="hidden" name="__VIEWSTATE" value="dDwtMTA4">'
                                         + search + body + "</form></body></html>")
    path = tmp_path / "show.aspx.html"
    path.write_bytes(page.encode("gb18030"))
    doc = read(path)
    plain = tmp_path / "report.htm"
    plain.write_bytes(HTML.encode("gb18030"))
    assert doc.text == read(plain).text
    assert "站内搜索" not in doc.text and len(doc.tables) == 1


def test_html_layout_table_does_not_swallow_report(tmp_path):
    page = f"""<html><head><meta charset="utf-8"></head><body><table width="100%"><tr>
    <td class="menu"><a>栏目一</a><a>栏目二</a></td>
    <td><p>某某局2020年政府信息公开工作年度报告</p><p>一、总体情况</p><p>本局全年主动公开信息86条。</p>
    <table><tr><th>信息内容</th><th>本年新制作数量</th></tr><tr><td>规章</td><td>2</td></tr></table>
    <table><tr><td><p>五、存在的主要问题及改进情况</p><p>信息公开的及时性有待提高。</p></td></tr></table>
    </td></tr></table></body></html>"""
    path = tmp_path / "layout.html"
    path.write_text(page, encoding="utf-8")
    doc = read(path)
    assert len(doc.tables) == 1  # only the leaf data table; the one-cell box is prose
    assert grid_texts(doc.tables[0]) == [["信息内容", "本年新制作数量"], ["规章", "2"]]
    assert "本局全年主动公开信息86条。" in doc.text
    assert "\n五、存在的主要问题及改进情况\n信息公开的及时性有待提高。" in doc.text
    assert "栏目一" not in doc.text
    assert_offsets(doc)


cell_text = st.sampled_from(["", "&nbsp;", " ", "0", "12", "规章", "行政规范性文件", "商业<br>企业", "a b"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.tuples(cell_text, st.integers(1, 3), st.integers(1, 3)), min_size=1, max_size=4), min_size=2, max_size=5))
def test_html_random_spans_keep_offsets(rows):
    html = "<table>" + "".join(
        "<tr>" + "".join(f'<td rowspan="{rs}" colspan="{cs}">{t}</td>' for t, rs, cs in row) + "</tr>" for row in rows
    ) + "</table>"
    expected = {"": "", "&nbsp;": "", " ": "", "商业<br>企业": "商业企业"}
    texts = [t for row in rows for t, _, _ in row]
    if all(expected.get(t, t) == "" for t in texts):
        return
    doc = read_html_bytes(html.encode("utf-8"))
    assert_offsets(doc)
    if doc.tables:  # (a table with one cell per row reads as prose)
        got = [c.text for c in doc.tables[0].cells()]
        assert got == [expected.get(t, t) for t in texts]
        for cell in doc.tables[0].cells():
            for r in range(cell.row, cell.row + cell.rowspan):
                for c in range(cell.col, cell.col + cell.colspan):
                    assert (r, c) == (cell.row, cell.col) or doc.tables[0].grid[r][c] is None


def read_html_bytes(raw: bytes) -> Document:
    from gainlp.readers.html import read_html

    return read_html(raw, "mem.html")


def test_html_utf8_without_declaration(tmp_path):
    path = tmp_path / "a.html"
    path.write_bytes("<p>一、总体情况</p><p>正文</p>".encode("utf-8"))
    doc = read(path)
    assert doc.text == "一、总体情况\n正文" and doc.meta["encoding"] == "utf-8"


# ---------------------------------------------------------------------------------------------
# docx


def test_docx_merged_cells_round_trip(tmp_path):
    word = docx.Document()
    word.add_paragraph("某某区2022年政府信息公开工作年度报告")
    word.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    table = word.add_table(rows=4, cols=4)
    texts = [["行政复议", "", "行政诉讼", ""], ["结果维持", "结果纠正", "结果维持", "总计"], ["1", "0", "2", "2"], ["", "", "", ""]]
    for r, row in enumerate(texts):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    table.cell(0, 0).merge(table.cell(0, 1))  # horizontal
    table.cell(0, 2).merge(table.cell(0, 3))
    table.cell(2, 3).merge(table.cell(3, 3))  # vertical
    table.cell(3, 0).text = "\u3000"
    word.add_paragraph("五、存在的主要问题及改进情况")
    path = tmp_path / "report.docx"
    word.save(path)

    doc = read(path)
    assert doc.format == "docx" and len(doc.tables) == 1
    assert_offsets(doc)
    t = doc.tables[0]
    assert grid_texts(t) == [
        ["行政复议", None, "行政诉讼", None],
        ["结果维持", "结果纠正", "结果维持", "总计"],
        ["1", "0", "2", "2"],
        ["", "", "", None],
    ]
    assert (t.grid[0][0].colspan, t.grid[0][2].colspan, t.grid[2][3].rowspan) == (2, 2, 2)
    lines = doc.text.split("\n")
    assert lines[:2] == ["某某区2022年政府信息公开工作年度报告", "四、政府信息公开行政复议、行政诉讼情况"]
    assert lines[2] == "行政复议\t行政诉讼" and lines[-1] == "五、存在的主要问题及改进情况"


def test_docx_blank_official_form():
    doc = read(TEMPLATE)
    assert "主动公开政府信息情况" in doc.text
    assert "收到和处理政府信息公开申请情况" in doc.text
    assert len(doc.tables) == 3
    assert_offsets(doc)
    applications = doc.tables[1]
    assert applications.n_cols == 10
    corner = applications.grid[0][0]
    assert (corner.rowspan, corner.colspan) == (3, 3)
    labels = [c.text for c in applications.cells()]
    assert "1.属于国家秘密" in labels and "（三）不予公开" in labels
    assert labels.count("（三）不予公开") == 1  # vertically merged: one origin cell
    assert all(c.text == "" for c in applications.grid[3][3:])  # printed blank (full-width spaces)


@pytest.mark.parametrize(
    "name, raw, reason",
    [
        ("random.docx", os.urandom(2048), "corrupt DOCX"),
        ("zip.docx", b"PK\x03\x04" + b"\x00" * 200, "corrupt DOCX"),
        ("legacy.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "legacy Word .doc"),
        ("random.pdf", b"hello, not a pdf", "corrupt PDF (no PDF header)"),
        ("broken.pdf", b"%PDF-1.4\n" + os.urandom(3000), "corrupt PDF"),
    ],
)
def test_corrupt_files(tmp_path, name, raw, reason):
    path = tmp_path / name
    path.write_bytes(raw)
    with pytest.raises(ReadError) as info:
        read(path)
    assert str(info.value).startswith(f"{path}: ") and reason in str(info.value)


def test_docx_without_document_xml(tmp_path):
    import zipfile

    path = tmp_path / "empty.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(ReadError, match="corrupt DOCX: missing _rels/.rels"):
        read(path)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", "<Relationships/>")
    with pytest.raises(ReadError, match="corrupt DOCX: missing word/document.xml"):
        read(path)


def test_legacy_doc_extension(tmp_path):
    with pytest.raises(ReadError, match=r"report\.doc: legacy Word \.doc is not supported"):
        read(tmp_path / "report.doc")


# ---------------------------------------------------------------------------------------------
# pdf


def make_pdf(pages: list[list[tuple[float, float, float, str]]]) -> bytes:
    """A minimal PDF (Helvetica, A4): each page a list of (x, y_from_top, size, latin text)."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", None, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for lines in pages:
        stream = "".join(f"BT /F1 {size} Tf {x} {842 - y - size} Td ({text}) Tj ET\n" for x, y, size, text in lines)
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}endstream")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {len(objects)} 0 R >>")
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out, offsets = b"%PDF-1.4\n", []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_pdf_running_lines_page_numbers_and_wrapping(tmp_path):
    body = "The quick brown fox jumps over the lazy dog again and again and then"
    pages = []
    for n in (1, 2, 3):
        pages.append([
            (72, 30, 9, "Annual Report on Open Government Information 2024"),
            (72, 100, 12, body),
            (72, 116, 12, "it rests."),
            (72, 150, 12, f"Short line {n}."),
            (280, 800, 9, f"Page {n} of 3"),
        ])
    path = tmp_path / "synthetic.pdf"
    path.write_bytes(make_pdf(pages))
    doc = read(path)
    assert doc.meta["pages"] == 3
    assert doc.meta["page_numbers_dropped"] == 3 and doc.meta["running_lines_dropped"] == 3
    assert "Annual Report" not in doc.text and "Page 1" not in doc.text
    assert doc.text.split("\n")[:2] == [body + " it rests.", "Short line 1."]


def test_pdf_without_text_layer(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_pdf([[], []]))
    with pytest.raises(ReadError, match="no text layer"):
        read(path)


def test_pdf_encrypted(tmp_path):
    raw = make_pdf([[(72, 100, 12, "Some text on the page")]])
    encrypt = (
        b"/Encrypt << /Filter /Standard /V 1 /R 2 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> /P -4 >> "
        b"/ID [<0123456789abcdef0123456789abcdef><0123456789abcdef0123456789abcdef>]"
    )
    path = tmp_path / "locked.pdf"
    path.write_bytes(raw.replace(b"/Root 1 0 R >>", b"/Root 1 0 R " + encrypt + b" >>"))
    with pytest.raises(ReadError, match=r"locked\.pdf: encrypted PDF"):
        read(path)


@pytest.fixture(scope="module")
def huaian() -> Document:
    return read(HUAIAN)


def test_huaian_tables(huaian):
    assert huaian.format == "pdf" and huaian.meta["pages"] == 6
    assert len(huaian.tables) >= 3
    assert_offsets(huaian)
    rows = [[c.text for c in row if c is not None] for t in huaian.tables for row in t.grid]
    assert ["规章", "1", "0", "11"] in rows
    assert ["行政规范性文件", "8", "26", "66"] in rows
    assert ["一、本年新收政府信息公开申请数量", "3001", "53", "0", "0", "61", "4", "3119"] in rows
    assert ["（七）总计", "2932", "53", "0", "0", "61", "4", "3050"] in rows  # continued on page 5, merged
    review = "72 64 178 37 351 13 4 8 1 26 12 1 1 6 20".split()
    assert review in rows
    merged_header = next(c for t in huaian.tables for c in t.cells() if c.text == "申请人情况")
    assert merged_header.colspan == 7


def test_huaian_prose(huaian):
    text = huaian.text
    for phrase in (
        "淮安市人民政府\n2024年政府信息公开工作年度报告",
        "（国令第711号）",
        "主动公开各类政府信息5500余条",
        "全年组织4次政府信息公开栏目全覆盖检查",
        "等新闻发布会12场，努力传递政府声音",  # a paragraph joined across the page break
        "全年收取政府信息公开信息处理费3940元。",
    ):
        assert phrase in text
    assert "- 1 -" not in text and "- 6 -" not in text and huaian.meta["page_numbers_dropped"] == 6
    # the boxed prose on pages 1 and 3 is text, not a table
    assert "\n如对本报告有疑问，请与淮安市人民政府办公室联系（地址：淮安市翔宇南道1号" in text
    assert not any(len(t.grid[0]) == 1 for t in huaian.tables)


def test_a_web_pages_source_saved_as_text_is_read_as_the_page(tmp_path):
    """A scraper's saved page named .txt (or its source passed as a str): read as text, its tables were
    markup, and no cell of the dev page was read (0 of 200), with no warning. Now it is the page, with a
    warning saying so; the GB18030 source with its meta charset too."""
    import gainlp

    page = SHARED / "dev" / "pingtan-zrz-2023-page.html"
    want = gainlp.extract(page, model=None)
    source = tmp_path / "saved.txt"
    source.write_bytes(page.read_bytes())
    got = gainlp.extract(source, model=None)
    assert got.flat() == want.flat() and got.agency == want.agency
    assert got.source.format == "html"
    assert any("web page's source" in w for w in got.warnings)
    assert gainlp.extract(page.read_text(encoding="utf-8"), model=None).flat() == want.flat()

    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes('<!DOCTYPE html>\n<html><head><meta charset="gbk"></head><body><p>平潭综合实验区某局2023年政府信息公开'
                    '工作年度报告</p></body></html>'.encode("gb18030"))
    assert "年度报告" in read(gbk).text and read(gbk).format == "html"
    # a text that only mentions a tag is text
    assert read_text("2023年度报告\n<html> 标签不是网页").format == "txt"


def test_tables_printed_as_html_inside_a_text_are_read_as_tables(tmp_path):
    """pandoc's Markdown of a page keeps a table with merged cells as HTML: as text, "colspan="3"" gave a
    cell 3. Now each such table is a reader table (its grid), the other lines stay as they are."""
    import gainlp

    md = tmp_path / "report.md"
    md.write_text("""# 某局2022年政府信息公开工作年度报告

三、收到和处理政府信息公开申请情况

<table>
<tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>
<td colspan="7">申请人情况</td></tr>
<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>
<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>
<tr><td colspan="3">一、本年新收政府信息公开申请数量</td><td>4</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>5</td></tr>
<tr><td colspan="3">二、上年结转政府信息公开申请数量</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
</table>

四、政府信息公开行政复议、行政诉讼情况
""", encoding="utf-8")
    doc = read(md)
    assert len(doc.tables) == 1 and "colspan" not in doc.text and "# 某局" in doc.text
    got = gainlp.extract(md, model=None).tables["applications"]
    assert list(got["new_received"].values()) == [4, 1, 0, 0, 0, 0, 5]
    assert all(v in (0, None) for v in got["carried_over"].values())
