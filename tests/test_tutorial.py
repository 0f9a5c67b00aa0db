"""Every snippet of docs/tutorial.md runs: YAML documents check and build, console sessions print
what the page shows, Python snippets execute in order (sharing one namespace). The README's
tour is checked too."""

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest
import yaml

import hybridspec as hs
from hybridspec.cli import main, make_parser
from hybridspec.graphs.space import check_space, concrete, dims

ROOT = Path(__file__).parents[1]
TUTORIAL = ROOT / "docs" / "tutorial.md"
FENCE = re.compile(r"^(<!-- expect: error -->\n)?```(yaml|python|console|sh)\n(.*?)^```$", re.M | re.S)


def snippets(lang: str, page: Path = TUTORIAL) -> list[tuple[int, str, bool]]:
    """(line of the first code line, code, expects an error) for each block in ``lang``."""
    text = page.read_text()
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
    if dims(yaml.safe_load(code)):  # a search space: every valid combination builds
        report = check_space(hs.loads(code))
        assert report.valid and hs.check(concrete(hs.loads(code), report.example))
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


def test_readme_tour(monkeypatch):
    readme = ROOT / "README.md"
    documents = [code for _, code, _ in snippets("yaml", readme) if "inputs:" in code]
    configs = [yaml.safe_load(code) for _, code, _ in snippets("yaml", readme) if "inputs:" not in code]
    assert documents and all(hs.check(hs.loads(code)) for code in documents)
    assert [hook["id"] for config in configs for repo in config["repos"] for hook in repo["hooks"]] == [
        "hybridspec-check", "hybridspec-check"]
    commands = [shlex.split(line.split("#")[0]) for _, code, _ in snippets("sh", readme)
                for line in code.splitlines() if line.startswith("hybridspec ")]
    assert len(commands) >= 4
    for argv in commands:
        make_parser().parse_args(argv[1:])
    monkeypatch.chdir(ROOT)
    for line, code, _ in snippets("python", readme):
        exec(compile("\n" * (line - 1) + code, str(readme), "exec"), {"__name__": "readme"})
