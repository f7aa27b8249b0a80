"""The two CLIs end to end on the bundled sample: contract shapes, exit codes, clean stdout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from newsthread.model import CATEGORIES
from newsthread.sample import sample_dir


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def outputs() -> dict[str, object]:
    results = {}
    for command in ("languages", "news", "categories", "threads", "top"):
        done = run("newsthread.cli.tgnews", command, str(sample_dir()))
        assert done.returncode == 0, done.stderr
        results[command] = json.loads(done.stdout)  # stdout is pure JSON
    return results


def test_languages_put_en_and_ru_first_and_name_other_languages(outputs):
    languages = outputs["languages"]
    assert [g["lang_code"] for g in languages[:2]] == ["en", "ru"]
    codes = {g["lang_code"] for g in languages}
    assert {"uk", "de"} <= codes
    names = [n for g in languages for n in g["articles"]]
    assert len(names) == len(set(names)) == len(list(sample_dir().rglob("*.html")))
    assert all("/" not in n and n.endswith(".html") for n in names)


def test_news_categories_threads_and_top_agree(outputs):
    news = set(outputs["news"]["articles"])
    en_ru = {n for g in outputs["languages"][:2] for n in g["articles"]}
    assert news < en_ru  # the recipe, horoscope, quiz... are dropped
    categories = outputs["categories"]
    assert [g["category"] for g in categories] == list(CATEGORIES)
    filed = [n for g in categories for n in g["articles"]]
    assert sorted(filed) == sorted(news)
    threaded = [n for t in outputs["threads"] for n in t["articles"]]
    assert sorted(threaded) == sorted(news) and all(t["title"] for t in outputs["threads"])
    top = outputs["top"]
    assert top[0]["category"] == "any" and [g["category"] for g in top[1:]] == list(CATEGORIES)
    assert all("category" in t for t in top[0]["threads"])
    assert sum(len(g["threads"]) for g in top[1:]) == len(top[0]["threads"]) == len(outputs["threads"])


def test_two_outlets_reports_of_one_match_share_a_thread(outputs):
    by_title = {t["title"]: t["articles"] for t in outputs["threads"]}
    biggest = max(by_title.values(), key=len)
    assert len(biggest) >= 3


def test_missing_and_empty_directories_fail_with_a_message(tmp_path: Path):
    missing = run("newsthread.cli.tgnews", "threads", str(tmp_path / "nope"))
    assert missing.returncode == 1 and "no such file" in missing.stderr
    assert missing.stdout == "" and "Traceback" not in missing.stderr
    empty = run("newsthread.cli.tgnews", "languages", str(tmp_path))
    assert empty.returncode == 1 and "no files" in empty.stderr


def test_bad_files_are_skipped_and_counted(tmp_path: Path):
    good = next(sample_dir().rglob("*.html"))
    (tmp_path / good.name).write_bytes(good.read_bytes())
    (tmp_path / "binary.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" * 10)
    (tmp_path / "latin1.html").write_bytes("caf\xe9 ".encode("latin-1") * 20)
    done = run("newsthread.cli.tgnews", "languages", str(tmp_path))
    assert done.returncode == 0
    assert "skipped 2 of 3 files" in done.stderr
    assert sum(len(g["articles"]) for g in json.loads(done.stdout)) == 1


def test_newsthread_help_explains_every_command():
    done = run("newsthread.cli.main", "--help")
    assert done.returncode == 0
    for command in ("demo", "languages", "news", "categories", "threads", "top", "story", "serve", "train"):
        assert command in done.stdout


def test_demo_prints_the_summary_without_serving():
    done = run("newsthread.cli.main", "demo", "--no-serve")
    assert done.returncode == 0, done.stderr
    assert "top threads" in done.stdout and "news filter kept" in done.stdout


def test_train_classifier_reads_the_corpus_on_dask_to_the_same_model(tmp_path):
    import shutil

    import numpy as np

    shutil.copytree(sample_dir(), tmp_path / "data" / "contest_html")
    common = ["--data", str(tmp_path / "data"), "--no-holdout", "--no-embeddings", "--workers", "1"]
    local = run("newsthread.cli.main", "train", "classifier", *common, "--out", str(tmp_path / "local.npz"))
    assert local.returncode == 0, local.stderr
    dask = run(
        "newsthread.cli.main",
        "train",
        "classifier",
        *common,
        "--dask-workers",
        "2",
        "--out",
        str(tmp_path / "dask.npz"),
    )
    assert dask.returncode == 0, dask.stderr
    with np.load(tmp_path / "local.npz") as one, np.load(tmp_path / "dask.npz") as two:
        assert sorted(one.files) == sorted(two.files)
        for key in one.files:
            if key != "info":  # (the info records the training time)
                assert np.array_equal(one[key], two[key]), key
    both = run(
        "newsthread.cli.main", "train", "classifier", "--scheduler", "tcp://x:1", "--dask-workers", "2"
    )
    assert both.returncode == 2 and "not both" in both.stderr
