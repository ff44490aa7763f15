"""Demo articles for the coffee, grinder, water and ice machines of the demo customers.

Idempotent: an article is found by its title before it is created. The symptoms match the demo
tickets (「不出水」「漏水」「滤芯报警」「异响」), so typing one on the new-ticket form shows a
suggestion.
"""

# ruff: noqa: E501  (Chinese demo text: wide characters count double; lines kept whole to read)

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongdan.db import utcnow
from gongdan.knowledge.models import KbArticle

_S = "意式咖啡机"
_B = "全自动咖啡机"

ARTICLES: tuple[dict[str, Any], ...] = (
    {"title": "意式咖啡机不出水（E01）的排查步骤", "category": _S, "visibility": "public",
     "product_models": ["es_pro_2", "es_pro_3", "es_compact"], "fault_codes": ["e01_no_water"],
     "body": "## 现象\n\n冲煮头不出水或出水很少，屏幕可能显示 **E01**。\n\n## 客户可自行检查\n\n"
             "1. 确认进水总阀已打开，水压不低于 0.2 MPa。\n2. 检查净水器滤芯是否到期堵塞。\n"
             "3. 关机 10 秒后重新开机。\n\n## 仍未解决\n\n请报修，工程师将检查进水电磁阀和水泵。"},
    {"title": "蒸汽棒漏水或滴水怎么办", "category": _S, "visibility": "public",
     "product_models": ["es_pro_2", "es_pro_3"], "fault_codes": ["e08_leak"],
     "body": "蒸汽棒关闭后仍然滴水，通常是蒸汽阀密封圈老化。\n\n1. 关闭蒸汽阀，擦干蒸汽棒。\n"
             "2. 每次使用后空喷 2 秒，防止奶垢堵塞。\n3. 若持续漏水，需更换蒸汽阀密封圈（备件 SV-ORING）。"},
    {"title": "机器底部漏水：检查排水盘和排水管", "category": _S, "visibility": "public",
     "product_models": ["es_pro_2", "es_pro_3", "es_compact", "bc_600"], "fault_codes": ["e08_leak"],
     "body": "机器底部有水，先检查 **排水盘是否满**、排水管是否弯折或堵塞。\n\n"
             "清理后仍漏水，请关闭进水阀并报修。"},
    {"title": "锅炉压力异常（E03）内部处理指引", "category": _S, "visibility": "internal",
     "product_models": ["es_pro_2", "es_pro_3"], "fault_codes": ["e03_pressure"],
     "body": "仅限工程师：\n\n1. 读取压力表，正常 1.0–1.2 bar。\n2. 检查压力开关触点与安全阀。\n"
             "3. 工程模式密码见内部手册，**不要告知客户**。"},
    {"title": "加热故障（E02）：加热管与温控器检测", "category": _S, "visibility": "internal",
     "product_models": ["es_pro_2", "es_pro_3", "es_compact", "bc_600", "bc_900_milk"],
     "fault_codes": ["e02_heater"],
     "body": "测量加热管电阻（约 20–30 Ω）；断路则更换。检查温控器和过热保护器是否跳开。"},
    {"title": "全自动咖啡机冲煮单元卡住（E05）", "category": _B, "visibility": "public",
     "product_models": ["bc_600", "bc_900_milk"], "fault_codes": ["e05_brew_unit"],
     "body": "1. 关机并取出冲煮单元。\n2. 用清水冲洗，晾干后涂抹食品级润滑脂。\n3. 装回后开机自检。"},
    {"title": "奶系统堵塞、打不出奶泡（E07）", "category": _B, "visibility": "public",
     "product_models": ["bc_900_milk"], "fault_codes": ["e07_milk_system"],
     "body": "每日营业结束运行 **奶系统清洗程序**，每周拆洗奶管和奶泡器。打不出奶泡时先检查奶管是否吸入空气。"},
    {"title": "全自动咖啡机清洗周期建议", "category": _B, "visibility": "public",
     "product_models": ["bc_600", "bc_900_milk"], "fault_codes": [],
     "body": "| 项目 | 周期 |\n|---|---|\n| 冲煮单元冲洗 | 每天 |\n| 清洁片清洗 | 每周 |\n| 除垢 | 每 1–3 个月 |"},
    {"title": "磨豆机异响、卡豆（E06）", "category": "磨豆机", "visibility": "public",
     "product_models": ["gr_64", "gr_83"], "fault_codes": ["e06_grinder_jam"],
     "body": "磨豆机有异响或卡豆，常见原因是豆中混入石子或刀盘磨损。\n\n1. 断电后清空豆仓。\n"
             "2. 清理刀盘和出粉口。\n3. 刀盘磨损需更换（约每 500 kg 咖啡豆）。"},
    {"title": "净水器滤芯报警无法复位", "category": "净水系统", "visibility": "public",
     "product_models": ["wt_ro_400"], "fault_codes": ["e11_filter"],
     "body": "更换滤芯后需 **长按复位键 5 秒** 才能清除报警。仍报警请检查 TDS 探头或报修。"},
    {"title": "制冰机不制冰或冰块很少（E10）", "category": "制冰机", "visibility": "public",
     "product_models": ["ic_120", "ic_300"], "fault_codes": ["e10_refrigeration"],
     "body": "1. 检查进水是否正常。\n2. 清洁冷凝器散热网（环境温度不宜超过 32 ℃）。\n"
             "3. 仍不制冰可能是制冷剂泄漏，请报修。"},
    {"title": "主板通信故障（E09）内部排查", "category": "通用", "visibility": "internal",
     "product_models": [], "fault_codes": ["e09_board"],
     "body": "检查主板与显示板之间的排线；漏水导致主板短路时须同时排查漏水点。"},
    {"title": "Espresso machine gives no water (E01): checklist", "category": "Espresso",
     "visibility": "public", "product_models": ["es_pro_2", "es_pro_3", "es_compact"],
     "fault_codes": ["e01_no_water"],
     "body": "Open the water supply valve, check the filter cartridge, restart the machine. "
             "If the group head still gives no water, request a repair."},
)  # fmt: skip


def load_articles(session: Session) -> int:
    """Create the demo articles that are missing (published); returns how many were created."""
    existing = set(session.scalars(select(KbArticle.title)))
    created = 0
    for spec in ARTICLES:
        if spec["title"] in existing:
            continue
        session.add(KbArticle(status="published", published_at=utcnow(), **spec))
        created += 1
    session.flush()
    return created
