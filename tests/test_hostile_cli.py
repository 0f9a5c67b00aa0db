"""A corpus of malicious documents: each is refused with a SpecError (exit 1) by check, summary,
build and plot, in bounded time, and nothing outside the output folder is touched."""

import json
import os
import signal
from pathlib import Path

import pytest

from hybridspec.cli import main

HEAD = "name: m\ninputs: {x: {shape: [8]}}\n"
SENTINEL = "outside/pwned"


def laughs(levels: int) -> str:
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join(["*a" if i == 1 else f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n" + HEAD + "body: flatten\n"


MALICIOUS = {
    "python_apply.yaml": HEAD + f'body: !!python/object/apply:os.system ["touch ../{SENTINEL}"]\n',
    "python_new.yaml": HEAD + "body: !!python/object/new:subprocess.Popen [[touch, ../outside/pwned]]\n",
    "python_name.yaml": HEAD + "body: !!python/name:os.system\n",
    "python_module.yaml": HEAD + "body: !!python/module:os\n",
    "name_traversal.yaml": "name: ../outside/pwned\ninputs: {x: {shape: [8]}}\nbody: flatten\n",
    "name_absolute.yaml": "name: /tmp/pwned\ninputs: {x: {shape: [8]}}\nbody: flatten\n",
    "name_separator.yaml": "name: a/b\ninputs: {x: {shape: [8]}}\nbody: flatten\n",
    "name_nul.json": json.dumps({"name": "m\u0000", "inputs": {"x": {"shape": [8]}}, "body": "flatten"}),
    "node_traversal.yaml": "name: m\ninputs: {x: {shape: [8]}}\nnodes: {'../a': {from: x, block: flatten}}\n"
                           "outputs: {o: {from: x}}\n",
    "input_separator.yaml": "name: m\ninputs: {'a/b': {shape: [8]}}\nbody: flatten\n",
    "weights_absolute.yaml": "name: m\ninputs: {x: {shape: [32, 32, 3]}}\n"
                             "body: {backbone: {name: vgg16, weights: /etc/passwd}}\n",
    "weights_traversal.yaml": "name: m\ninputs: {x: {shape: [32, 32, 3]}}\n"
                              "body: {backbone: {name: vgg16, weights: ../outside/w.h5}}\n",
    "big_integer.yaml": HEAD + f"body: {{dense: {'9' * 5000}}}\n",
    "big_integer.json": '{"name": "m", "inputs": {"x": {"shape": [8]}}, "body": {"dense": %s}}' % ("9" * 5000),
    "int64_overflow.yaml": HEAD + "body: {dense: 99999999999999999999}\n",
    "octal.yaml": HEAD + "body: {dense: 010}\n",
    "sexagesimal.yaml": HEAD + "body: {dense: 1:20}\n",
    "nan.yaml": HEAD + "body: {dropout: .nan}\n",
    "infinity.json": '{"name": "m", "inputs": {"x": {"shape": [8]}}, "body": {"dropout": Infinity}}',
    "deep.yaml": HEAD + "body: " + "[" * 5000 + "]" * 5000 + "\n",
    "deep.json": '{"name": "m", "inputs": {"x": {"shape": [8]}}, "body": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "alias_bomb.yaml": laughs(9),
    "merge_bomb.yaml": "\n".join(["b0: &b0 {k: [x, x, x, x, x, x, x, x]}"] + [
        f"b{i}: &b{i} {{<<: *b{i - 1}, " + ", ".join(f"k{j}: *b{i - 1}" for j in range(8)) + "}"
        for i in range(1, 12)]) + "\n" + HEAD + "body: flatten\n",
    "recursive_alias.yaml": HEAD + "body: &a [flatten, *a]\n",
    "huge_string.yaml": HEAD + "body: {activation: '" + "x" * 5_000_000 + "'}\n",
    "many_nodes.yaml": HEAD + "body: [" + ",".join(["1"] * 300_000) + "]\n",
    "oversized.yaml": HEAD + "body: flatten\n" + "#" * (9 * 2**20) + "\n",
    "latin1.yaml": (HEAD + "# café\nbody: flatten\n").encode("latin-1"),
    "utf16.yaml": (HEAD + "body: flatten\n").encode("utf-16"),
    "two_documents.yaml": HEAD + "body: flatten\n---\n" + HEAD + "body: flatten\n",
    "custom_tag.yaml": HEAD + "body: !keras/Lambda {function: 'lambda x: x'}\n",
    "lambda_kind.yaml": HEAD + "body: {lambda: {function: 'lambda x: __import__(\"os\").system(\"id\")'}}\n",
    "import_string.yaml": HEAD + "body: {dense: {units: 2, activation: os.system}}\n",
    "keras_class.yaml": HEAD + "body: {dense: {units: 2, kernel_initializer: {class_name: Lambda}}}\n",
}


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")}


@pytest.fixture()
def sandbox(tmp_path, monkeypatch):
    """tmp/work holds the documents and is the working directory; tmp/outside must stay as is."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "keep.txt").write_text("untouched")
    work = tmp_path / "work"
    work.mkdir()
    for name, text in MALICIOUS.items():
        (work / name).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    monkeypatch.chdir(work)
    return tmp_path


def run(*argv: str) -> int:
    def expired(signum, frame):
        raise AssertionError(f"hybridspec {' '.join(argv)} ran for more than 20 s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(20)
    try:
        return main(list(argv))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("name", sorted(MALICIOUS))
def test_a_malicious_document_is_refused_and_touches_nothing(name, sandbox, capsys):
    before = snapshot(sandbox)
    codes = [run("check", name), run("summary", name), run("check", "--json", name),
             run("build", name, "-o", "out.keras"), run("plot", name, "-o", "out.svg")]
    captured = capsys.readouterr()
    assert codes == [1] * 5, captured.err[-2000:]
    assert "Traceback" not in captured.err
    assert all(line.startswith("error: ") for line in captured.err.splitlines()), captured.err[-2000:]
    [result] = json.loads(captured.out)
    assert result["ok"] is False and result["error"]["message"]
    assert snapshot(sandbox) == before
    assert not (sandbox / SENTINEL).exists() and not Path("/tmp/pwned.keras").exists()


def test_writes_go_only_where_asked(sandbox, capsys):
    """A valid document in the same sandbox writes its plot and nothing else."""
    (sandbox / "work" / "good.yaml").write_text(HEAD + "body: [dense: 4]\n")
    os.mkdir("pics")
    before = snapshot(sandbox)
    assert run("check", "good.yaml") == 0
    assert run("plot", "good.yaml", "-o", "pics/good.dot") == 0
    after = snapshot(sandbox)
    changed = {k for k in after.keys() | before.keys() if after.get(k) != before.get(k)}
    assert changed == {"work/pics", "work/pics/good.dot"}, changed
