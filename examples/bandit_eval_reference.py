#!/usr/bin/env python3
"""Independent NumPy check of `shopwindow bandit-eval`'s IPS, SNIPS and DR numbers.

    shopwindow bandit-eval --data ../shared/data/open-bandit-sample --skip-ours \
        --json --dump-dist /tmp/bts > /tmp/cli.json
    python3 examples/bandit_eval_reference.py --data ../shared/data/open-bandit-sample \
        --dist /tmp/bts --compare /tmp/cli.json

With `--dist` the Thompson-sampling action distribution is the one the CLI wrote, so the
estimators must agree to rounding (checked with `--compare`). Without it the distribution
is recomputed here by NumPy's own Monte Carlo (different random numbers: the estimates
then agree within Monte Carlo error only). The formulas are written from the papers, not
from the Rust code: IPS mean(w r); SNIPS sum(w r) / sum(w); DR with a per-(item, slot)
mean reward model shrunk toward the fold mean by 10 pseudo-rows, cross-fitted on even and
odd rows; 95% normal intervals over the per-row terms.
"""

import argparse
import csv
import gzip
import json
import math
import sys
from pathlib import Path

import numpy as np

Z95 = 1.959963984540054
SHRINK = 10.0


def read_log(path):
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="") as f:
        reader = csv.DictReader(f)
        rows = [(int(r["item_id"]), int(r["position"]) - 1, float(r["click"]), float(r["propensity_score"])) for r in reader]
    a = np.array(rows)
    return a[:, 0].astype(int), a[:, 1].astype(int), a[:, 2], a[:, 3]


def read_priors(path):
    import yaml  # PyYAML: the file's own format

    with open(path) as f:
        return yaml.safe_load(f)


def mc_distribution(alpha, beta, slots, draws, seed):
    rng = np.random.default_rng(seed)
    k = len(alpha)
    counts = np.zeros((slots, k))
    for start in range(0, draws, 10_000):
        n = min(10_000, draws - start)
        theta = rng.beta(alpha, beta, size=(n, k))
        top = np.argsort(-theta, axis=1)[:, :slots]
        for s in range(slots):
            counts[s] += np.bincount(top[:, s], minlength=k)
    return counts / draws


def read_dist(path, k):
    dist = None
    with open(path) as f:
        rows = list(csv.DictReader(f))
    slots = max(int(r["slot"]) for r in rows) + 1
    dist = np.zeros((slots, k))
    for r in rows:
        dist[int(r["slot"]), int(r["item"])] = float(r["probability"])
    return dist


def interval(terms):
    n = len(terms)
    mean = terms.mean()
    se = terms.std(ddof=1) / math.sqrt(n)
    return {"value": mean, "se": se, "low": mean - Z95 * se, "high": mean + Z95 * se}


def estimates(item, pos, click, prop, dist):
    k = dist.shape[1]
    slots = dist.shape[0]
    pi = dist[pos, item]
    w = pi / prop
    ips = interval(w * click)
    v = (w * click).sum() / w.sum()
    snips = interval(w * (click - v) / w.mean())
    snips["value"] = v
    snips["low"], snips["high"] = v - Z95 * snips["se"], v + Z95 * snips["se"]
    # Cross-fitted reward model: rows with even index are predicted from odd rows and back.
    q = np.zeros((2, k, slots))
    idx = np.arange(len(item))
    for fold in (0, 1):
        m = idx % 2 == fold
        sums = np.zeros((k, slots))
        counts = np.zeros((k, slots))
        np.add.at(sums, (item[m], pos[m]), click[m])
        np.add.at(counts, (item[m], pos[m]), 1.0)
        mu = click[m].mean()
        q[fold] = (sums + SHRINK * mu) / (counts + SHRINK)
    other = 1 - idx % 2
    q_rows = q[other]  # [n, k, slots]
    q_slot = q_rows[idx, :, pos]  # [n, k]
    direct = (dist[pos] * q_slot).sum(axis=1)
    dr = interval(direct + w * (click - q_slot[idx, item]))
    return {"ips": ips, "snips": snips, "dr": dr}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--campaigns", default="all,men,women")
    ap.add_argument("--dist", type=Path, help="folder with the CLI's bts_<campaign>.csv")
    ap.add_argument("--draws", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=12345)
    ap.add_argument("--compare", type=Path, help="the CLI's --json output")
    args = ap.parse_args()
    priors = read_priors(args.data / "prior_bts.yaml")
    cli = {c["campaign"]: c for c in json.load(open(args.compare))} if args.compare else {}
    worst = 0.0
    for name in args.campaigns.split(","):
        item, pos, click, prop = read_log(args.data / "random" / name / f"{name}.csv.gz")
        alpha = np.array(priors[name]["alpha"], dtype=float)
        beta = np.array(priors[name]["beta"], dtype=float)
        if args.dist:
            dist = read_dist(args.dist / f"bts_{name}.csv", len(alpha))
        else:
            dist = mc_distribution(alpha, beta, int(pos.max()) + 1, args.draws, args.seed)
        est = estimates(item, pos, click, prop, dist)
        bts_item, _, bts_click, _ = read_log(args.data / "bts" / name / f"{name}.csv.gz")
        print(f"campaign {name}: truth (bts logged mean) {bts_click.mean():.5f}")
        for key in ("ips", "snips", "dr"):
            e = est[key]
            line = f"  {key:<6} {e['value']:.5f} [{e['low']:.5f}, {e['high']:.5f}]"
            if name in cli:
                theirs = cli[name]["bts_estimated"][key]
                diff = max(abs(theirs[f] - e[f]) for f in ("value", "low", "high"))
                worst = max(worst, diff)
                line += f"   CLI {theirs['value']:.5f} [{theirs['low']:.5f}, {theirs['high']:.5f}]  max |diff| {diff:.2e}"
            print(line)
    if cli:
        print(f"largest difference from the CLI: {worst:.2e}")
        if args.dist and worst > 1e-12:
            sys.exit("the CLI and the reference disagree beyond rounding")


if __name__ == "__main__":
    main()
