"""The test-only stand-ins of ``tests/site`` behave as the packages they stand in for.

The root ``conftest.py`` puts ``tests/site`` first on ``PYTHONPATH`` for every process the tests
start; a stand-in that answered differently would change what those processes check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import TEST_SITE

CHECK = """
import json, sys
import jsonschema
import rfc3987_syntax
before = "lark" in sys.modules  # the grammar is built on first use, not on import
checker = jsonschema.Draft202012Validator({"format": "iri"}, format_checker=jsonschema.FormatChecker())
values = ["https://example.org/a?b=c#d", "http://example.org/a b", "not an iri", "urn:x:\\u00e9"]
print(json.dumps({"file": rfc3987_syntax.__file__, "lark_on_import": before,
                  "iri": [checker.is_valid(v) for v in values],
                  "parse": rfc3987_syntax.parse("iri", values[0]).data}))
"""


def run_check(pythonpath: str) -> dict:
    """Run ``CHECK`` in a new interpreter with ``pythonpath``; return what it printed."""
    env = {**os.environ, "PYTHONPATH": pythonpath}
    out = subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_rfc3987_syntax_stand_in_is_lazy_and_answers_as_the_real_package():
    """Imported from ``tests/site``, it builds no grammar until asked, then answers as the real one."""
    real = run_check("")
    stand_in = run_check(str(TEST_SITE))
    assert stand_in["file"].startswith(str(TEST_SITE)) and not real["file"].startswith(str(TEST_SITE))
    assert stand_in["lark_on_import"] is False and real["lark_on_import"] is True
    assert stand_in["iri"] == real["iri"] == [True, False, False, True]
    assert stand_in["parse"] == real["parse"] == "iri"
