"""The browser's condition evaluator (static/js/forms.js), run under Node when it is installed.

Fields that are not on the form are read from the form's server values, so the evaluator can be
exercised without a DOM: the fake form below has no inputs at all.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

FORMS_JS = (
    Path(__file__).resolve().parents[3] / "platform" / "gongdan" / "static" / "js" / "forms.js"
)

HARNESS = """
const fs = require("fs");
global.window = {};
global.document = { addEventListener() {} };
eval(fs.readFileSync(process.argv[1], "utf8"));
const cases = JSON.parse(process.argv[2]);
const form = { querySelector() { return null; } };
const judge = ([node, values]) => window.GongdanForms.evaluate(node, form, values);
console.log(JSON.stringify(cases.map(judge)));
"""

CASES = [
    ({"field": "mode", "op": "eq", "value": "on_site"}, {"mode": "on_site"}, True),
    ({"field": "mode", "op": "eq", "value": "on_site"}, {"mode": "remote"}, False),
    ({"field": "mode", "op": "ne", "value": "on_site"}, {}, True),
    ({"field": "cat", "op": "in", "value": ["a", "b"]}, {"cat": "b"}, True),
    ({"field": "cat", "op": "not_in", "value": ["a", "b"]}, {"cat": "c"}, True),
    ({"field": "n", "op": "gt", "value": 3}, {"n": 10}, True),
    ({"field": "n", "op": "le", "value": 3}, {"n": 10}, False),
    ({"field": "n", "op": "between", "value": [1, 5]}, {"n": 5}, True),
    ({"field": "d", "op": "lt", "value": "2026-12-01"}, {"d": "2026-11-30"}, True),
    ({"field": "asset", "op": "is_empty"}, {}, True),
    ({"field": "asset", "op": "is_set"}, {"asset": 3}, True),
    ({"field": "tags", "op": "contains", "value": "x"}, {"tags": ["x", "y"]}, True),
    ({"field": "text", "op": "contains", "value": "NOISE"}, {"text": "loud noise"}, True),
    ({"field": "text", "op": "starts_with", "value": "lo"}, {"text": "loud"}, True),
    (
        {"all": [{"field": "a", "op": "eq", "value": 1}, {"not": {"field": "b", "op": "is_set"}}]},
        {"a": 1},
        True,
    ),
    ({"any": [{"field": "a", "op": "eq", "value": 2}, {"field": "b", "op": "is_set"}]}, {}, False),
]


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_evaluator_agrees_with_the_server_operators() -> None:
    result = subprocess.run(
        ["node", "-e", HARNESS, str(FORMS_JS), json.dumps([[n, v] for n, v, _ in CASES])],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert json.loads(result.stdout) == [expected for _, _, expected in CASES]
