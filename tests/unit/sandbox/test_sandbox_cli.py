"""The sandbox commands an operator or tester uses: build, list-children, load-fhir."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask

from portal.demo import SYNTHEA_DIR


def test_build_list_and_load_fhir(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    built = runner.invoke(args=["portal", "sandbox", "build"])
    assert built.exit_code == 0, built.output
    assert "children" in built.output
    listed = runner.invoke(args=["portal", "sandbox", "list-children", "--json"])
    children = json.loads(listed.output)
    assert len(children) >= 200
    assert {"chi", "forename", "surname", "birth_date", "tags"} <= set(children[0])
    assert any("twins" in c["tags"] for c in children)
    table = runner.invoke(args=["portal", "sandbox", "list-children"]).output
    assert children[0]["surname"] in table

    bundle = next(SYNTHEA_DIR.glob("Jake_Fay_*.json")) if SYNTHEA_DIR.is_dir() else None
    if bundle is not None:
        bad = runner.invoke(args=["portal", "sandbox", "load-fhir", str(bundle), "--chi", "3007164207"])
        assert bad.exit_code != 0 and "check digit" in bad.output
        good = runner.invoke(args=["portal", "sandbox", "load-fhir", str(bundle), "--chi", "3007164206"])
        assert good.exit_code == 0, good.output
        assert "Loaded Jake_Fay" in good.output
