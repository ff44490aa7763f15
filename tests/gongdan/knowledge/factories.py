"""Knowledge-base test data: articles written straight into the database (tokens on flush)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from gongdan.db import db
from gongdan.knowledge.models import KbArticle

#: A small knowledge base: Chinese, English, internal, draft.
ARTICLES: dict[str, dict[str, Any]] = {
    "leak": {
        "title": "蒸汽棒漏水的处理方法",
        "body": "## 现象\n\n蒸汽棒接头处滴水。\n\n## 处理\n\n1. 关闭蒸汽阀\n2. 更换 **密封圈**",
        "category": "意式咖啡机",
        "fault_codes": ["e08_leak"],
        "product_models": ["es_pro_2"],
        "visibility": "public",
        "status": "published",
    },
    "no_water": {
        "title": "咖啡机不出水：检查水箱和进水阀",
        "body": "机器显示 E01，冲煮时没有水流出。先检查水箱水位，再检查进水阀是否打开。",
        "category": "意式咖啡机",
        "fault_codes": ["e01_no_water"],
        "visibility": "public",
        "status": "published",
    },
    "grinder": {
        "title": "Grinder jams on oily beans",
        "body": "Clean the burrs and reset the motor overload switch. Oily beans clog flat burrs.",
        "category": "Grinders",
        "fault_codes": ["e06_grinder_jam"],
        "visibility": "public",
        "status": "published",
    },
    "board": {
        "title": "主板通信故障的内部排查（含维修密码）",
        "body": (
            "内部资料：进入工程模式，密码 8888，检查主板与显示板之间的排线。"
            "漏水导致短路时更换主板。"
        ),
        "fault_codes": ["e09_board"],
        "visibility": "internal",
        "status": "published",
    },
    "draft": {
        "title": "制冰机不制冰（草稿）",
        "body": "还没写完：检查冷凝器，漏水。",
        "visibility": "public",
        "status": "draft",
    },
}


def make_articles(app: Flask, keys: tuple[str, ...] | None = None) -> dict[str, int]:
    """Create the named articles (all by default); returns their ids by name."""
    ids: dict[str, int] = {}
    with app.app_context():
        for key in keys or tuple(ARTICLES):
            article = KbArticle(**ARTICLES[key])
            db.session.add(article)
            db.session.flush()
            ids[key] = article.id
        db.session.commit()
    return ids
