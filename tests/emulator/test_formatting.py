"""Telegram's HTML parse mode as TDLib parses it, and the emulator's pedantic additions."""

from __future__ import annotations

import pytest

from telegram_emulator.formatting import FormattingError, parse_html, render_html, trim, utf16_len


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("x <b", "Unclosed start tag at byte offset 2"),
        ("<a href", 'Unclosed start tag "a" at byte offset 0'),
        ('<a ="x">y</a>', 'Empty attribute name in the tag "a" at byte offset 0'),
        ("<a href=x/>y</a>", "Unexpected end of name token at byte offset 8"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ('<tg-emoji emoji-id="x">y</tg-emoji>', "Invalid custom emoji identifier specified"),
        ("привет <br>", 'Unsupported start tag "br" at byte offset 13'),
    ],
)
def test_malformed_html_is_refused_with_telegrams_message(source: str, message: str) -> None:
    with pytest.raises(FormattingError) as caught:
        parse_html(source)
    assert str(caught.value) == message


@pytest.mark.parametrize("source", ["Q&A", "&nbsp;", "&copy", "&lt"])
def test_pedantic_mode_refuses_what_telegram_keeps(source: str) -> None:
    with pytest.raises(FormattingError, match=r"&amp;|;"):
        parse_html(source)
    text, entities = parse_html(source, pedantic=False)
    assert entities == []
    assert text == source.replace("&lt", "<")


def test_entities_and_numeric_references_are_decoded() -> None:
    assert parse_html("&lt;&gt;&amp;&quot;&#65;&#x42;")[0] == '<>&"AB'
    assert parse_html("a > b")[0] == "a > b"


def test_entities_carry_utf16_offsets_and_arguments() -> None:
    text, entities = parse_html(
        '😀 <b>bold <i>both</i></b> <a href="https://cqmu.edu.cn/?a=1&amp;b=2">site</a> '
        '<pre><code class="language-python">x = 1</code></pre> '
        '<blockquote expandable>q</blockquote> <span class="tg-spoiler">s</span>'
    )
    assert text == "😀 bold both site x = 1 q s"
    assert entities == [
        {"offset": 3, "length": 9, "type": "bold"},
        {"offset": 8, "length": 4, "type": "italic"},
        {"offset": 13, "length": 4, "type": "text_link", "url": "https://cqmu.edu.cn/?a=1&b=2"},
        {"offset": 18, "length": 5, "type": "pre", "language": "python"},
        {"offset": 24, "length": 1, "type": "expandable_blockquote"},
        {"offset": 26, "length": 1, "type": "spoiler"},
    ]
    assert utf16_len(text) == len(text) + 1


def test_trim_follows_telegram() -> None:
    assert trim("\n hello \n\t", []) == ("hello", [])
    assert trim("  <b>", [{"type": "bold", "offset": 2, "length": 3}])[1] == [
        {"type": "bold", "offset": 0, "length": 3}
    ]
    assert trim("x   ", [{"type": "bold", "offset": 0, "length": 4}])[1][0]["length"] == 1


def test_render_html_round_trips() -> None:
    source = '<b>a<i>b</i></b> &lt;c&gt; <a href="https://t.me/x">d</a>'
    assert render_html(*parse_html(source)) == source
