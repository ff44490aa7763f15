"""Definitions: YAML/JSON data that describes ticket types, workflows, routing, SLAs and more.

Loading (:mod:`.loader`), the JSON Schema stage (:mod:`.schema`) and packs (:mod:`.packs`)
turn files into :class:`Definition` objects and :class:`Problem` reports; the semantic
stage, compilation and the revision registry build on them.
"""

from __future__ import annotations

from gongdan.definitions.documents import Definition, SourceMap, canonical_json
from gongdan.definitions.problems import Problem, ProblemList, did_you_mean, format_json_path

__all__ = [
    "Definition",
    "Problem",
    "ProblemList",
    "SourceMap",
    "canonical_json",
    "did_you_mean",
    "format_json_path",
]
