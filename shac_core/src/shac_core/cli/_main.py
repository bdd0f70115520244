"""The ``shac`` command: ``demo``, ``summary``, ``plot`` and ``plugins``.

The command line is the one place in shac that prints.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
import sys
import time
from typing import TYPE_CHECKING

from shac_core._errors import ShacError


if TYPE_CHECKING:
    from collections.abc import Sequence

    from shac_core.engine import SHAC


__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shac",
        description="Parallel hyperparameter search with Successive Halving and "
        "Classification.",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log at DEBUG level"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser(
        "demo", help="tune XGBoost on the Breast Cancer Wisconsin data (the main job)"
    )
    demo.add_argument("--budget", type=int, default=60, help="total evaluations (N)")
    demo.add_argument("--batches", type=int, default=6, help="epochs (M)")
    demo.add_argument("--workers", type=int, default=None, help="parallel evaluators")
    demo.add_argument("--backend", default="loky", help="evaluation policy")
    demo.add_argument(
        "--save-dir", default="shac-demo", help="where to save the search"
    )
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--resume", action="store_true", help="continue a saved search")
    demo.add_argument(
        "--no-progress", action="store_true", help="hide the progress bar"
    )

    summary = commands.add_parser("summary", help="summarise a saved search")
    summary.add_argument("save_dir", help="the search's save directory")

    plot = commands.add_parser("plot", help="plot scores and best-so-far as a PNG")
    plot.add_argument("save_dir", help="the search's save directory")
    plot.add_argument(
        "-o", "--output", default=None, help="PNG path (default: DIR/plot.png)"
    )

    commands.add_parser("plugins", help="list installed plugins and what they provide")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``shac`` command and return its exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        datefmt="%H:%M:%S",
    )
    # The engine's INFO lines would fight with the progress bar; show warnings only.
    if not args.verbose:
        logging.getLogger("shac_core").setLevel(logging.WARNING)
    try:
        handler = {
            "demo": _demo,
            "summary": _summary,
            "plot": _plot,
            "plugins": _plugins,
        }
        return handler[args.command](args)
    except (ShacError, ValueError, TypeError, OSError) as err:
        print(f"shac: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        hint = " (continue with `shac demo --resume`)" if args.command == "demo" else ""
        print(
            f"shac: interrupted; every finished evaluation is saved{hint}.",
            file=sys.stderr,
        )
        return 130


def _demo(args: argparse.Namespace) -> int:
    from shac_core.cli._demo import demo_space
    from shac_core.cli._demo import load_breast_cancer
    from shac_core.cli._demo import score_configuration
    from shac_core.engine import SHAC

    x, _ = load_breast_cancer()
    if not args.resume and (Path(args.save_dir) / "state.json").exists():
        msg = (
            f"{args.save_dir} already holds a search; add `--resume` to continue it, "
            "or pass another `--save-dir`."
        )
        raise ShacError(msg)
    if args.resume:
        engine = SHAC.load(args.save_dir)
    else:
        engine = SHAC(
            demo_space(),
            total_budget=args.budget,
            num_batches=args.batches,
            objective="max",
            save_dir=args.save_dir,
            seed=args.seed,
        )
    engine.evaluator_backend = args.backend
    engine.set_num_parallel_evaluators(args.workers)
    print(
        f"shac demo: tuning XGBoost on Breast Cancer Wisconsin ({x.shape[0]} rows, "
        f"{x.shape[1]} features) by 3-fold CV accuracy."
    )
    print(
        f"budget {engine.total_budget} in {engine.num_batches} epochs of "
        f"{engine.batch_size}; up to {engine.total_classifiers} classifiers; "
        f"{engine.num_parallel_evaluators} {args.backend} evaluators; "
        f"saving to {engine.save_dir.path}"
    )
    start = time.perf_counter()
    engine.fit(score_configuration, progress=not args.no_progress)
    elapsed = time.perf_counter() - start

    print(f"done in {elapsed:.1f} s; {len(engine.classifiers)} classifiers trained.")
    _print_best(engine)
    print("five configurations proposed by the trained cascade:")
    for config in engine.predict(5):
        print("  " + _format(config))
    return 0


def _format(config: dict[str, object]) -> str:
    return ", ".join(
        f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
        for k, v in config.items()
    )


def _print_best(engine: SHAC) -> None:
    best = engine.best()
    if best is None:
        print("no evaluation succeeded.")
        return
    print(f"best score {best.score:.6g} (evaluation {best.id}):")
    print("  " + _format(best.params))


def _load(save_dir: str) -> SHAC:
    from shac_core.engine import SHAC

    if not Path(save_dir).is_dir():
        msg = f"{save_dir} is not a directory; pass the `save_dir` of a search."
        raise ShacError(msg)
    return SHAC.load(save_dir)


def _summary(args: argparse.Namespace) -> int:
    engine = _load(args.save_dir)
    records = engine.dataset
    failed = [r for r in records if not r.ok]
    print(f"search in {args.save_dir}")
    print(f"  objective:      {engine.objective}")
    print(
        f"  evaluations:    {len(records)} of {engine.total_budget} "
        f"({len(failed)} failed)"
    )
    print(f"  epochs:         {engine.num_batches} of {engine.batch_size} evaluations")
    print(f"  classifiers:    {len(engine.classifiers)} of {engine.total_classifiers}")
    print(f"  seed:           {engine.seed}")
    _print_best(engine)
    for record in failed[:5]:
        print(f"  failed {record.id}: {record.error}")
    return 0


def _plot(args: argparse.Namespace) -> int:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as err:
        msg = "Plotting needs matplotlib; install it with `pip install matplotlib`."
        raise ShacError(msg) from err

    engine = _load(args.save_dir)
    records = [r for r in engine.dataset if r.ok]
    if not records:
        msg = f"{args.save_dir} holds no successful evaluation to plot."
        raise ShacError(msg)

    ids = [r.id for r in records]
    scores = [float(r.score) for r in records if r.score is not None]
    pick = max if engine.objective == "max" else min
    best = [pick(scores[: i + 1]) for i in range(len(scores))]
    figure, axes = plt.subplots(figsize=(8, 4.5))
    axes.scatter(ids, scores, s=14, alpha=0.6, label="score")
    axes.step(ids, best, where="post", color="C3", label="best so far")
    for epoch in range(1, engine.num_batches):
        axes.axvline(epoch * engine.batch_size - 0.5, color="0.85", lw=0.8, zorder=0)
    axes.set_xlabel("evaluation (position in the run)")
    axes.set_ylabel("score")
    axes.set_title(f"shac search in {args.save_dir} ({engine.objective})")
    axes.legend()
    figure.tight_layout()
    output = Path(args.output) if args.output else Path(args.save_dir) / "plot.png"
    figure.savefig(output, dpi=120)
    plt.close(figure)
    print(f"wrote {output}")
    return 0


def _plugins(args: argparse.Namespace) -> int:
    from shac_core.plugins import list_plugins

    for info in list_plugins():
        origin = f"{info.distribution or '(registered in code)'} {info.version or ''}".strip()
        print(f"{info.name}  [{origin}]")
        if info.error:
            print(f"    BROKEN: {info.error}")
            continue
        if info.engines:
            print(f"    engines:  {', '.join(info.engines)}")
        if info.policies:
            print(f"    policies: {', '.join(info.policies)}")
    return 0
