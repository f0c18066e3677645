"""`make train`: fit the short-answer model (answering/short_answers.py) on rtqa-2024's questions, answers and articles.

For each question, asked as of its date over the whole corpus, the candidates of the retrieved
sentences are described by their features and labelled by how well they match the quiz's answer.
A log-linear ranking is fitted on the questions whose sentences hold the answer (softmax over a
question's candidates, L2), then a logistic model of whether the best candidate is right, over
every question, and the abstention threshold that keeps abstaining on answerable questions (the
answer is in their own search results) near ABSTAIN_ANSWERABLE, picked again with `--calibrate` on
rtqa-2024 questions asked over whole articles (rtqa-2024-mini; see `calibrate`). Deterministic: the same data
gives the same weights. rtqa-2022 is never read here: it is the yardstick.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from ..answering.answer_confidence import (
    CONFIDENCE_FEATURES,
    confidence_features,
    held_terms,
    sentence_scores,
    subject_coverage,
)
from ..answering.answer_features import FEATURES, describe
from ..answering.questions import query_for
from ..answering.short_answers import MODEL_FILE, ShortAnswerModel, model_from, ranking
from ..answering.wanted import wanted
from ..searching.filters import Filters
from .eval_sets import EvalQuestion, load_corpus_lines, load_questions, prepare, select
from .metrics import token_f1

if TYPE_CHECKING:
    from ..core import Assistant

RIGHT = 0.5  # token F1 with the quiz's answer from which a candidate counts as the answer
RANK_L2 = 1.0  # ridge on the standardised ranking weights, per hundred questions of data
L2_GRID = (0.1, 0.3, 1.0, 3.0, 10.0)  # tried by cross-validation over quiz weeks
FOLDS = 4
CONFIDENCE_L2 = 1.0
ABSTAIN_ANSWERABLE = 0.12  # the share of answerable questions the threshold may leave unanswered
# Training indexes each article's lead: the quiz's answers sit in the first paragraphs, and the whole
# texts of rtqa-2024 (100,000 chunks) would cost several times the embedding for the same features.
LEAD_CHARS = 3000


@dataclass
class Example:
    """One question's candidates (feature rows and match with the answer) and what the confidence model needs."""

    question_id: str
    rows: np.ndarray
    labels: np.ndarray  # token F1 of each candidate with the answer
    texts: list[str]
    stated: list[int]  # each candidate's best sentence (index into the evidence)
    sentences: np.ndarray  # sentence_scores of the evidence
    short: bool
    answer_in_search: bool
    subject: float  # subject_coverage of the question by its passages


def lead_only(line: str, chars: int) -> str:
    """A corpus line with its article cut to the paragraphs within the first `chars` characters."""
    record = json.loads(line)
    text = record.get("text") or ""
    if len(text) > chars:
        cut = text.rfind("\n", 0, chars)
        record["text"] = text[: cut if cut > chars // 2 else chars]
    return json.dumps(record, ensure_ascii=False)


def collect(assistant, questions: Sequence[EvalQuestion], log: Callable[[str], None]) -> list[Example]:
    """Ask every question as of its date and describe its candidates."""
    extractive = assistant.extractive()
    retriever = assistant.retriever()
    examples = []
    started = time.perf_counter()
    for n, q in enumerate(questions, start=1):
        query = query_for(q.question)
        passages = retriever.search(query.text, k=assistant.settings.top_k, filters=Filters(as_of=q.date))
        evidence, _ = extractive.evidence(query.question.stem, passages)
        asked = wanted(q.question)
        found, rows = describe(asked, query.question.stem, evidence, passages, q.date, assistant.embedder)
        examples.append(
            Example(
                q.id,
                rows,
                np.array([token_f1(f.text, q.answer) for f in found], dtype=np.float32),
                [f.text for f in found],
                [f.stated_in[0] for f in found],
                sentence_scores(evidence),
                asked.short,
                q.answer_in_search,
                subject_coverage(query.question.stem, held_terms(passages), assistant.lexical.idf),
            )
        )
        if n % 100 == 0:
            log(f"train: {n}/{len(questions)} questions described ({time.perf_counter() - started:.0f} s)")
    return examples


def fit_ranking(examples: Sequence[Example], l2: float = RANK_L2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standardisation and weights of the candidate ranking: softmax over each question's candidates."""
    from scipy.optimize import minimize

    rows = np.concatenate([e.rows for e in examples if len(e.rows)])
    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    scale[scale < 1e-6] = 1.0
    groups = []
    for e in examples:
        if not len(e.rows) or e.labels.max() < RIGHT:
            continue
        target = np.where(e.labels >= RIGHT, e.labels, 0.0)
        groups.append(((e.rows - mean) / scale, target / target.sum()))

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.0, np.zeros_like(w)
        for x, target in groups:
            z = x @ w
            z = z - z.max()
            p = np.exp(z)
            p /= p.sum()
            total -= float(target @ np.log(p + 1e-12))
            grad += x.T @ (p - target)
        total += 0.5 * l2 * float(w @ w) * len(groups) / 100
        grad += l2 * w * len(groups) / 100
        return total, grad

    result = minimize(loss, np.zeros(rows.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 500})
    return mean, scale, result.x


def top1(mean: np.ndarray, scale: np.ndarray, weights: np.ndarray, examples: Sequence[Example]) -> float:
    """Share of the questions whose candidates hold the answer where the best-scored one is it."""
    held = [e for e in examples if len(e.rows) and e.labels.max() >= RIGHT]
    right = sum(1 for e in held if e.labels[int(np.argmax(((e.rows - mean) / scale) @ weights))] >= RIGHT)
    return right / len(held) if held else 0.0


def choose_l2(examples: Sequence[Example], log: Callable[[str], None]) -> float:
    """The ridge strength with the best top-1 on weeks held out (4 folds by quiz week)."""
    weeks = sorted({e.question_id.split("_")[0] for e in examples})
    fold = {w: i % FOLDS for i, w in enumerate(weeks)}
    scores = {}
    for l2 in L2_GRID:
        held_out = []
        for k in range(FOLDS):
            train_part = [e for e in examples if fold[e.question_id.split("_")[0]] != k]
            test_part = [e for e in examples if fold[e.question_id.split("_")[0]] == k]
            held_out.append(top1(*fit_ranking(train_part, l2), test_part))
        scores[l2] = float(np.mean(held_out))
    log("train: held-out top-1 by ridge strength: " + ", ".join(f"{k:g}: {v:.3f}" for k, v in scores.items()))
    return max(scores, key=lambda k: scores[k])


def confidence_data(model: ShortAnswerModel, examples: Sequence[Example]) -> tuple[np.ndarray, np.ndarray]:
    """Per question: the confidence features under `model`'s ranking, and whether the retrieved sentences
    hold the answer at all (what "the articles don't say" denies; held-out weeks abstained better on
    answerable and unanswerable questions alike with this label than with "the best candidate is right")."""
    xs, ys = [], []
    for e in examples:
        scored = replace(ranking(model.scores(e.rows), e.texts, [[i] for i in e.stated]), rows=e.rows)
        xs.append(confidence_features(scored, e.sentences, e.short, e.subject))
        ys.append(float(len(e.labels) > 0 and e.labels.max() >= RIGHT))
    return np.array(xs, dtype=np.float32), np.array(ys, dtype=np.float32)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = CONFIDENCE_L2) -> tuple[np.ndarray, float]:
    """Weights and bias of a logistic model of `y` (0/1) on `x`, the weights (not the bias) under a ridge of `l2`."""
    from scipy.optimize import minimize

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = params[:-1], params[-1]
        z = x @ w + b
        p = 1 / (1 + np.exp(-z))
        eps = 1e-9
        total = -float(np.sum(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))) + 0.5 * l2 * float(w @ w)
        g = p - y
        return total, np.concatenate([x.T @ g + l2 * w, [g.sum()]])

    result = minimize(loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B", options={"maxiter": 500})
    return result.x[:-1], float(result.x[-1])


def pick_threshold(probabilities: np.ndarray, answerable: np.ndarray) -> float:
    """The highest threshold that leaves at most ABSTAIN_ANSWERABLE of answerable questions unanswered."""
    ranked = np.sort(probabilities[answerable])
    allowed = int(np.floor(ABSTAIN_ANSWERABLE * len(ranked)))
    return float(ranked[allowed]) if len(ranked) else 0.5


def abstention(model: ShortAnswerModel, x: np.ndarray, examples: Sequence[Example]) -> tuple[float, float, float]:
    """Under `model`, the threshold picked on these questions (`x`: their confidence features) and the
    shares it leaves unanswered: of the answerable questions, of the others."""
    probabilities = np.array([model.confidence(row) for row in x])
    answerable = np.array([e.answer_in_search for e in examples], dtype=bool)
    threshold = pick_threshold(probabilities, answerable)

    def share(mask: np.ndarray) -> float:
        return float(np.mean(probabilities[mask] < threshold)) if mask.any() else 0.0

    return threshold, share(answerable), share(~answerable)


def train(examples: Sequence[Example], log: Callable[[str], None]) -> dict:
    l2 = choose_l2(examples, log)
    mean, scale, weights = fit_ranking(examples, l2)
    model = ShortAnswerModel(mean, scale, weights, np.zeros(len(CONFIDENCE_FEATURES)), 0.0, 0.0)
    x, y = confidence_data(model, examples)
    cw, cb = fit_logistic(x, y)
    model = ShortAnswerModel(mean, scale, weights, cw, cb, 0.0)
    threshold, abstain_answerable, abstain_unanswerable = abstention(model, x, examples)
    with_answer = [e for e in examples if len(e.labels) and e.labels.max() >= RIGHT]
    top_right = sum(1 for e in examples if len(e.rows) and e.labels[int(np.argmax(model.scores(e.rows)))] >= RIGHT)
    log(
        f"train: {len(examples)} questions, {len(with_answer)} with the answer among their candidates; "
        f"best candidate right for {top_right}; threshold {threshold:.3f} abstains on "
        f"{abstain_answerable:.3f} of answerable and {abstain_unanswerable:.3f} of unanswerable"
    )
    return {
        "features": list(FEATURES),
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "weights": [round(float(v), 6) for v in weights],
        "confidence": {
            "features": list(CONFIDENCE_FEATURES),
            "weights": [round(float(v), 6) for v in cw],
            "bias": round(cb, 6),
        },
        "threshold": round(threshold, 6),
        "training": {
            "questions": len(examples),
            "with_answer_in_candidates": len(with_answer),
            "best_right": top_right,
            "rank_l2": l2,
            "confidence_l2": CONFIDENCE_L2,
            "abstain_answerable_target": ABSTAIN_ANSWERABLE,
        },
    }


def calibrate(data: dict, examples: Sequence[Example], log: Callable[[str], None]) -> dict:
    """The threshold picked again on other questions asked over whole articles, as the answerer reads them.

    Training reads article leads only (a whole rtqa-2024 index is too slow to build on a laptop), and
    whole articles give every question more candidates and more of its words: the trained model is more
    confident on them, answerable or not. So the threshold is chosen where answers are given.
    """
    model = model_from(data)
    x, _ = confidence_data(model, examples)
    threshold, abstain_answerable, abstain_unanswerable = abstention(model, x, examples)
    figures = {
        "questions": len(examples),
        "answerable": sum(1 for e in examples if e.answer_in_search),
        "abstain_answerable": round(abstain_answerable, 3),
        "abstain_unanswerable": round(abstain_unanswerable, 3),
    }
    log(f"train: threshold {data['threshold']:.3f} -> {threshold:.3f} on whole articles: {figures}")
    return {**data, "threshold": round(threshold, 6), "calibration": figures}


def described(
    corpus: dict[str, str],
    questions: Sequence[EvalQuestion],
    cache: Path,
    keep: Path | None,
    log: Callable[[str], None],
) -> list[Example]:
    """Every question described over an index of `corpus` (built or reused under `cache`), kept in `keep`."""
    if keep and keep.is_file():
        with open(keep, "rb") as fh:
            examples = pickle.load(fh)
        log(f"train: {len(examples)} described questions from {keep}")
        return examples
    examples = collect(training_index(corpus, questions, cache, log), questions, log)
    if keep:
        with open(keep, "wb") as out:
            pickle.dump(examples, out)
    return examples


def training_index(
    corpus: dict[str, str], questions: Sequence[EvalQuestion], cache: Path, log: Callable[[str], None]
) -> Assistant:
    """An Assistant over an index of `corpus`, built or reused under `cache` as eval keeps it."""
    from ..core import Assistant

    folder = prepare(corpus, select(questions, list(corpus), sample=None, seed=0, distractors=0), cache)
    assistant = Assistant(seeds_dir=folder / "seeds", index_dir=folder / "index")
    log(f"train: {len(questions)} questions, {len(corpus)} articles; index {folder}")
    assistant.index()
    return assistant


def training_corpus(path: Path, lead_chars: int) -> dict[str, str]:
    """The corpus's lines, each article cut to its first `lead_chars` characters (0: whole)."""
    corpus = load_corpus_lines(path)
    return {aid: lead_only(line, lead_chars) for aid, line in corpus.items()} if lead_chars else corpus


def yardstick(*paths: object) -> bool:
    """Whether any of these is rtqa-2022, which is never trained on (said on stderr)."""
    if any("2022" in str(p) for p in paths if p):
        print("training: rtqa-2022 is the yardstick and is never trained on", file=sys.stderr)
        return True
    return False


def log_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.measuring.training", description=__doc__)
    parser.add_argument("--corpus", type=Path, required=True, help="rtqa-2024 corpus.jsonl")
    parser.add_argument("--questions", type=Path, required=True, help="rtqa-2024 questions.jsonl")
    parser.add_argument("--cache", type=Path, default=Path(".cache/eval"), help="where the index is kept (as eval)")
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    parser.add_argument(
        "--examples", type=Path, help="keep the described questions in this file, and reuse it when it exists"
    )
    parser.add_argument(
        "--lead-chars",
        type=int,
        default=LEAD_CHARS,
        help="index each article's first N characters only (0: whole articles)",
    )
    parser.add_argument(
        "--calibrate",
        type=Path,
        help="a folder of corpus.jsonl and questions.jsonl (rtqa-2024-mini) whose whole articles the threshold is chosen on",
    )
    args = parser.parse_args(argv)
    if yardstick(args.questions, args.calibrate):
        return 2
    log = log_stderr
    corpus = training_corpus(args.corpus, args.lead_chars)
    examples = described(corpus, load_questions(args.questions), args.cache, args.examples, log)
    data = train(examples, log)
    data["training"]["corpus"] = args.corpus.parent.name
    if args.calibrate:
        keep = args.examples.with_suffix(".calibration.pkl") if args.examples else None
        calibration = described(
            load_corpus_lines(args.calibrate / "corpus.jsonl"),
            load_questions(args.calibrate / "questions.jsonl"),
            args.cache,
            keep,
            log,
        )
        data = calibrate(data, calibration, log)
        data["calibration"]["corpus"] = args.calibrate.name
    args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    log(f"train: wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
