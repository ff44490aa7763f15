"""Article bodies render safely: no raw HTML, no script links."""

from __future__ import annotations

import pytest

from gongdan.knowledge.markdown import plain_text, render_markdown


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](java\tscript:alert(1))",
        "[click](&#106;avascript:alert(1))",
        "![x](data:text/html;base64,PHNjcmlwdD4=)",
        "<javascript:alert(1)>",
        "[x](vbscript:msgbox)",
        "[x](//evil.example/steal)",
    ],
)
def test_nothing_executable_survives(body: str) -> None:
    html = render_markdown(body).lower()
    assert "<script" not in html and "<img" not in html and "href=" not in html


def test_ordinary_markdown_renders() -> None:
    html = render_markdown(
        "# 标题\n\n1. **关闭**电源\n\n[手册](https://example.com/m.pdf)\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |"
    )
    assert "<h1>标题</h1>" in html
    assert "<strong>关闭</strong>" in html
    assert 'href="https://example.com/m.pdf" rel="nofollow noopener noreferrer"' in html
    assert "<table>" in html


def test_plain_text_drops_the_syntax() -> None:
    assert plain_text("# 标题\n\n- **检查** 水管") == "标题\n检查 水管"
