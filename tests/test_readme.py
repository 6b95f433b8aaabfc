"""Executable docs: every README example that runs on the bundled samples is run here."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from costmodel.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _examples() -> list[tuple[int, str]]:
    """``$ dsqlcost …`` lines in console blocks that need only files of this repository."""
    out = []
    for number, line in enumerate(README.splitlines(), start=1):
        if not line.startswith("$ dsqlcost "):
            continue
        args = shlex.split(line[2:])[1:]
        local = [a for a in args if a.startswith("sample_stats/")]
        if local or "--help" in args:
            out.append((number, line[2:]))
    return out


EXAMPLES = _examples()


def test_readme_starts_with_the_two_commands() -> None:
    blocks = re.findall(r"```\n(.*?)```", README, flags=re.S)
    assert blocks[0].strip().splitlines() == ["make report", "make test"]
    assert README.index("make report") < README.index("## ")


def test_readme_has_examples_for_every_format() -> None:
    text = "\n".join(cmd for _n, cmd in EXAMPLES)
    for fmt in ("json", "csv", "markdown", "html"):
        assert f"--format {fmt}" in text
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("command", [c for _n, c in EXAMPLES], ids=[f"README.md:{n}" for n, _c in EXAMPLES])
def test_readme_example_runs(
    command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    args = shlex.split(command)[1:]
    if "--help" in args:
        with pytest.raises(SystemExit) as exc:
            main(args)
        assert exc.value.code == 0
        assert "usage:" in capsys.readouterr().out
        return
    code = main(args)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.strip(), "the example printed nothing"


def test_readme_shows_the_screenshots() -> None:
    shown = re.findall(r"!\[[^\]]+\]\((docs/screenshots/[^)]+\.png)\)", README)
    on_disk = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs" / "screenshots").glob("*.png"))
    assert sorted(shown) == on_disk and len(on_disk) >= 7  # every page and the HTML report
    assert "make screenshots" in README
