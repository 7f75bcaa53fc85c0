"""Optuna side of `npm run bench` (a benchmark dependency only: Debian's python3-optuna, /usr/bin/python3).

  regret: optuna_side.py regret <seeds> <budget> <out.json>
    runs TPESampler (default, multivariate=True) and RandomSampler on the functions of bench/lib/functions.ts
    (same definitions; change both together), one study per function and seed; on Optuna versions whose
    TPE kernel log-density leaves out the -log(sigma) term (optuna/optuna#5109, fixed in 3.5 by #5110),
    also the default TPESampler with that term restored ("optuna tpe, #5109 fixed").
  speed:  optuna_side.py speed <trials.json> <out.json>
    adds the given completed trials to a study (create_trial + add_trials) and times study.ask() with the
    same 10 distributions, default TPESampler.
"""
import contextlib
import json
import math
import sys
import time
import warnings

import numpy as np
import optuna
from optuna.samplers._tpe import _truncnorm

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore")


def box(trial, n, low, high):
    return [trial.suggest_float(f"x{i}", low, high) for i in range(n)]


def goldstein_price(t):
    x, y = box(t, 2, -2, 2)
    a = 1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x * x - 14 * y + 6 * x * y + 3 * y * y)
    b = 30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x * x + 48 * y - 36 * x * y + 27 * y * y)
    return a * b


def beale(t):
    x, y = box(t, 2, -4.5, 4.5)
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2 + (2.625 - x + x * y ** 3) ** 2


def rastrigin(t):
    return sum(x * x - 10 * math.cos(2 * math.pi * x) + 10 for x in box(t, 5, -5.12, 5.12))


def zakharov(t):
    v = box(t, 6, -5, 10)
    s1 = sum(x * x for x in v)
    s2 = sum(0.5 * (i + 1) * x for i, x in enumerate(v))
    return s1 + s2 ** 2 + s2 ** 4


SHIFT = [1.5, -2.3, 0.7, 3.1, -0.4, -3.6, 2.2, -1.1]


def shifted_sphere(t):
    return sum((x - SHIFT[i]) ** 2 for i, x in enumerate(box(t, 8, -5, 5)))


OPT = {"sgd": (0.12, -1.5, 0.6), "adam": (0.05, -3.0, 0.8), "rmsprop": (0.08, -3.5, 0.5)}


def mixed(t):
    lr = t.suggest_float("lr", 1e-5, 1, log=True)
    batch = t.suggest_int("batch", 16, 512, log=True)
    opt = t.suggest_categorical("optimizer", ["sgd", "adam", "rmsprop"])
    dropout = t.suggest_float("dropout", 0, 0.8)
    base, lr0, width = OPT[opt]
    lb = math.log2(batch)
    dl = (math.log10(lr) - (lr0 + 0.5 * (lb - 6))) / width
    return base + 0.1 * (1 - math.exp(-dl * dl)) * 4 + 0.01 * (lb - 6) ** 2 + 0.3 * (dropout - 0.2) ** 2 * (0.5 if opt == "sgd" else 1)


FUNCTIONS = {
    "Goldstein-Price 2-D": (goldstein_price, 3.0),
    "Beale 2-D": (beale, 0.0),
    "Rastrigin 5-D": (rastrigin, 0.0),
    "Zakharov 6-D": (zakharov, 0.0),
    "Shifted sphere 8-D": (shifted_sphere, 0.0),
    "Mixed ML-like 4-D": (mixed, 0.05),
}

FIXED_LABEL = "optuna tpe, #5109 fixed"

SAMPLERS = {
    "optuna tpe": lambda seed: optuna.samplers.TPESampler(seed=seed),
    "optuna tpe multivariate": lambda seed: optuna.samplers.TPESampler(seed=seed, multivariate=True),
    "optuna random": lambda seed: optuna.samplers.RandomSampler(seed=seed),
}


def logpdf_lacks_scale():
    """True when this Optuna's truncated-normal log-pdf is not normalized for scale != 1 (#5109)."""
    return abs(_truncnorm.logpdf(0.5, -1.0, 1.0, loc=0.5, scale=0.5)[0] - _truncnorm.logpdf(0.0, -1.0, 1.0)[0] + math.log(0.5)) > 1e-9


_UNPATCHED_LOGPDF = _truncnorm.logpdf


def logpdf_with_scale(x, a, b, loc=0, scale=1):
    return _UNPATCHED_LOGPDF(x, a, b, loc=loc, scale=scale) - np.log(scale)


@contextlib.contextmanager
def scale_fixed(on):
    """Within: the Parzen estimators use the normalized log-pdf (what Optuna >= 3.5 computes)."""
    if on:
        _truncnorm.logpdf = logpdf_with_scale
    try:
        yield
    finally:
        _truncnorm.logpdf = _UNPATCHED_LOGPDF


def regret(seeds, budget, out):
    samplers = dict(SAMPLERS)
    if logpdf_lacks_scale():
        samplers[FIXED_LABEL] = samplers["optuna tpe"]
    result = {}
    for fname, (f, fmin) in FUNCTIONS.items():
        result[fname] = {}
        for sname, make in samplers.items():
            curves = []
            for seed in seeds:
                study = optuna.create_study(sampler=make(seed))
                with scale_fixed(sname == FIXED_LABEL):
                    study.optimize(f, n_trials=budget)
                best, curve = math.inf, []
                for tr in study.trials:
                    best = min(best, tr.value)
                    curve.append(best - fmin)
                curves.append(curve)
            result[fname][sname] = curves
    json.dump(result, open(out, "w"))


def distribution(spec):
    if spec["type"] == "categorical":
        return optuna.distributions.CategoricalDistribution(spec["choices"])
    if spec["type"] == "int":
        return optuna.distributions.IntDistribution(spec["low"], spec["high"], log=spec.get("log", False), step=spec.get("step", 1))
    return optuna.distributions.FloatDistribution(spec["low"], spec["high"], log=spec.get("log", False), step=spec.get("step"))


def speed(trials_file, out):
    data = json.load(open(trials_file))
    dists = {p["name"]: distribution(p) for p in data["space"]}
    result = {}
    for size, trials in data["histories"].items():
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=1))
        study.add_trials([
            optuna.trial.create_trial(params=t["params"], distributions=dists, value=t["value"]) for t in trials
        ])
        times = []
        for _ in range(data["repeats"][size]):
            t0 = time.perf_counter()
            trial = study.ask(fixed_distributions=dists)
            times.append((time.perf_counter() - t0) * 1000)
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        result[size] = times
    json.dump(result, open(out, "w"))


if __name__ == "__main__":
    if sys.argv[1] == "regret":
        regret([int(s) for s in sys.argv[2].split(",")], int(sys.argv[3]), sys.argv[4])
    elif sys.argv[1] == "speed":
        speed(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(f"unknown command {sys.argv[1]}")
