"""The one-pass shortcuts of the rule stages give what the per-line tests they stand for give."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gainlp.rules.table_tokens import _PAGE_NUMBER, _lines
from gainlp.template import label_key, line_keys

# page numbers, their pieces and white space of every kind, so that furniture lines and near misses occur
_PIECES = st.sampled_from(["- 3 -", "—12—", "第 2 页", "第2页 共5页", "12/30", "Page 3 of 9", "page 1",
                           "3", "/", "第", "页", "行政许可", "、", "(一)", "１２", " ", "\t", "\r", "\u3000",
                           "\xa0", "\x0b", "\n", "\n\n"])
_TEXTS = st.lists(_PIECES, max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(_TEXTS, st.integers(0, 50))
def test_lines_leave_out_what_page_number_matches(text, base):
    expected, pos = [], 0
    for line in text.split("\n"):
        if not _PAGE_NUMBER.match(line):
            expected.append((line.rstrip("\r"), base + pos))
        pos += len(line) + 1
    assert _lines(text, base) == expected


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_line_keys_are_the_keys_of_the_lines(text):
    assert line_keys(text) == [label_key(line, strip_numbering=False, folded=True) for line in text.split("\n")]
