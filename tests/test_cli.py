"""The `assistant` command, run as a user runs it, against a temporary index."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def run(*args: str, index: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args, "--index", str(index)],
                          capture_output=True, text=True, timeout=180)


def test_ingest_ask_list_delete(tmp_path):
    index = tmp_path / "index"
    r = run("ingest", str(SEEDS), "-q", index=index)
    assert r.returncode == 0, r.stderr
    assert "1 added" in r.stdout

    r = run("ingest", str(SEEDS), "-q", index=index)
    assert "1 unchanged" in r.stdout

    r = run("ask", "Who said what about the ceasefire?", "--json", index=index)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) == {"question", "answer", "mode", "citations", "warnings"}
    assert out["mode"] == "extractive" and out["citations"]
    assert set(out["citations"][0]) == {"n", "article_id", "title", "url", "published", "text",
                                        "start", "end"}

    r = run("articles", "list", "--json", index=index)
    arts = json.loads(r.stdout)
    assert len(arts) == 1 and arts[0]["title"].startswith("Russia: no basis")

    r = run("articles", "delete", arts[0]["id"], "nope", index=index)
    assert r.returncode == 1 and "no article with id 'nope'" in r.stderr
    r = run("ask", "Who said what about the ceasefire?", index=index)
    assert r.stdout.strip() == "The articles don't cover this."


def test_bad_input_names_the_file_and_exits_non_zero(tmp_path):
    (tmp_path / "empty.md").write_text("")
    (tmp_path / "bad.txt").write_bytes(b"caf\xe9 \x81\x8d\x8f\x90 \xff\xfe\x00")
    r = run("ingest", str(tmp_path / "empty.md"), str(tmp_path / "bad.txt"), str(SEEDS),
            str(tmp_path / "missing.txt"), "-q", index=tmp_path / "index")
    assert r.returncode == 1
    lines = [l for l in r.stderr.splitlines() if l.startswith("error:")]
    assert any("empty.md" in l for l in lines)
    assert any("bad.txt" in l for l in lines)
    assert any("missing.txt" in l for l in lines)
    assert "1 added" in r.stdout  # the seed went in regardless


def test_every_command_and_option_has_a_help_text():
    import argparse

    from assistant.cli import build_parser

    missing = []

    def walk(parser: argparse.ArgumentParser, path: str) -> None:
        for action in parser._actions:  # argparse offers no public walk of its tree
            if isinstance(action, argparse._SubParsersAction):
                helps = {a.dest: a.help for a in action._choices_actions}
                for name, sub in action.choices.items():
                    if not helps.get(name):
                        missing.append(f"{path} {name}")
                    walk(sub, f"{path} {name}")
            elif not isinstance(action, argparse._HelpAction) and not action.help:
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")

    walk(build_parser(), "assistant")
    assert missing == []
