#!/usr/bin/env python3
"""Cross-check of `shopwindow bandit-eval` against obp's own estimators (Open Bandit Pipeline).

obp's current releases need PyTorch, scikit-learn and pandas; the estimators used here
(IPS, SNIPS, DR from `obp/ope/estimators.py`) only use NumPy, so this script loads that
module from an unpacked obp wheel with small stand-ins for the three imports it never
calls. It feeds obp the CLI's Thompson-sampling distribution (`--dump-dist`) and the CLI's
cross-fitted reward model (recomputed here), and prints both implementations' values.

    pip download obp==0.4.1 --no-deps -d /tmp/obp && unzip -q -o /tmp/obp/obp-0.4.1-py3-none-any.whl -d /tmp/obp/src
    shopwindow bandit-eval --data ../shared/data/open-bandit-sample --skip-ours --json \
        --dump-dist /tmp/bts > /tmp/cli.json
    python3 examples/bandit_eval_obp.py /tmp/obp/src ../shared/data/open-bandit-sample /tmp/bts /tmp/cli.json
"""
import csv
import gzip
import importlib
import json
import sys
import types

import numpy as np
# obp 0.4.1's estimators module imports torch, pandas and sklearn at the top; its NumPy
# estimators never call them. Stubs let the real estimator code run without those packages.
torch = types.ModuleType("torch"); torch.Tensor = type("Tensor", (), {})
sys.modules["torch"] = torch
sys.modules["pandas"] = types.ModuleType("pandas")
sk = types.ModuleType("sklearn"); sku = types.ModuleType("sklearn.utils")
sku.check_random_state = lambda s: np.random.RandomState(s); sku.check_scalar = lambda *a, **k: None
sys.modules["sklearn"] = sk; sys.modules["sklearn.utils"] = sku
obp_src, data, dist_dir, cli_json = sys.argv[1:5]
# Bare package objects so obp's own __init__ (which imports its torch-based parts) never runs.
pkg = types.ModuleType("obp"); pkg.__path__ = [f"{obp_src}/obp"]; sys.modules["obp"] = pkg
ope = types.ModuleType("obp.ope"); ope.__path__ = [f"{obp_src}/obp/ope"]; sys.modules["obp.ope"] = ope
estimators = importlib.import_module("obp.ope.estimators")
InverseProbabilityWeighting = estimators.InverseProbabilityWeighting
SelfNormalizedInverseProbabilityWeighting = estimators.SelfNormalizedInverseProbabilityWeighting
DoublyRobust = estimators.DoublyRobust

cli = {c["campaign"]: c for c in json.load(open(cli_json))}
SHRINK = 10.0
worst = 0.0
for name in ["all", "men", "women"]:
    with gzip.open(f"{data}/random/{name}/{name}.csv.gz", "rt") as f:
        rows = list(csv.DictReader(f))
    a = np.array([int(r["item_id"]) for r in rows]); p = np.array([int(r["position"]) - 1 for r in rows])
    r = np.array([float(r_["click"]) for r_ in rows]); ps = np.array([float(r_["propensity_score"]) for r_ in rows])
    k = cli[name]["items"]
    dist = np.zeros((3, k))
    for row in csv.DictReader(open(f"{dist_dir}/bts_{name}.csv")):
        dist[int(row["slot"]), int(row["item"])] = float(row["probability"])
    n = len(a)
    action_dist = np.transpose(dist, (1, 0))[None, :, :].repeat(n, axis=0)  # [n, k, slots]
    # The same cross-fitted reward model as the CLI, as obp's estimated_rewards_by_reg_model.
    q = np.zeros((n, k, 3)); idx = np.arange(n)
    for fold in (0, 1):
        m = idx % 2 == fold
        sums = np.zeros((k, 3)); cnt = np.zeros((k, 3))
        np.add.at(sums, (a[m], p[m]), r[m]); np.add.at(cnt, (a[m], p[m]), 1.0)
        q[idx % 2 != fold] = (sums + SHRINK * r[m].mean()) / (cnt + SHRINK)
    kw = dict(reward=r, action=a, pscore=ps, action_dist=action_dist, position=p)
    ours = cli[name]["bts_estimated"]
    out = {
        "ips": InverseProbabilityWeighting().estimate_policy_value(**kw),
        "snips": SelfNormalizedInverseProbabilityWeighting().estimate_policy_value(**kw),
        "dr": DoublyRobust().estimate_policy_value(estimated_rewards_by_reg_model=q, **kw),
    }
    for key, v in out.items():
        diff = abs(v - ours[key]["value"]); worst = max(worst, diff)
        print(f"{name:6} {key:6} obp {v:.6f}  CLI {ours[key]['value']:.6f}  |diff| {diff:.1e}")
print(f"largest difference: {worst:.1e}")
if worst > 1e-12:
    sys.exit("obp and the CLI disagree beyond rounding")
