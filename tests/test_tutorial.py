"""Every snippet of docs/tutorial.md runs: YAML documents check and build, console sessions print
what the page shows, Python snippets execute in order (sharing one namespace)."""

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest

import hybridspec as hs
from hybridspec.cli import main

TUTORIAL = Path(__file__).parents[1] / "docs" / "tutorial.md"
FENCE = re.compile(r"^(<!-- expect: error -->\n)?```(yaml|python|console)\n(.*?)^```$", re.M | re.S)


def snippets(lang: str) -> list[tuple[int, str, bool]]:
    """(line of the first code line, code, expects an error) for each block in ``lang``."""
    text = TUTORIAL.read_text()
    return [(text.count("\n", 0, m.start(3)) + 1, m[3], bool(m[1]))
            for m in FENCE.finditer(text) if m[2] == lang]


def ids(snips: list[tuple[int, str, bool]]) -> list[str]:
    return [f"line{line}" for line, _, _ in snips]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A directory holding every YAML snippet saved as NAME.yaml, as the tutorial asks."""
    path = tmp_path_factory.mktemp("tutorial")
    for _, code, _ in snippets("yaml"):
        name = re.search(r"^name: (\w+)$", code, re.M)
        assert name, "every YAML snippet is a whole document with a name"
        (path / f"{name[1]}.yaml").write_text(code)
    return path


def test_the_tutorial_has_snippets_of_each_kind():
    assert len(snippets("yaml")) >= 9 and len(snippets("python")) >= 6 and len(snippets("console")) >= 5


@pytest.mark.parametrize(("line", "code", "error"), snippets("yaml"), ids=ids(snippets("yaml")))
def test_yaml_snippet_checks_and_builds(line, code, error):
    if error:
        with pytest.raises(hs.SpecError):
            hs.check(hs.loads(code))
        return
    report = hs.check(hs.loads(code))
    assert hs.build(hs.loads(code)).count_params() == report.params


@pytest.mark.parametrize(("line", "code", "error"), snippets("console"), ids=ids(snippets("console")))
def test_console_session_prints_what_the_page_shows(line, code, error, workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    for session in re.split(r"^(?=\$ )", code, flags=re.M)[1:]:
        command, _, expected = session.partition("\n")
        argv = shlex.split(command.removeprefix("$ "))
        assert argv[0] == "hybridspec"
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = main(argv[1:])
        assert out.getvalue() == expected, f"docs/tutorial.md:{line}: {command}"
        assert code == (1 if expected.startswith("error:") else 0)


def test_python_snippets_run_in_order(workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    namespace: dict = {"__name__": "tutorial"}
    for line, code, _ in snippets("python"):
        # pad so that tracebacks give the line numbers of docs/tutorial.md
        exec(compile("\n" * (line - 1) + code, str(TUTORIAL), "exec"), namespace)
