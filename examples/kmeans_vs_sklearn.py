#!/usr/bin/env python3
"""k-means inertia: shopwindow's core k-means against scikit-learn's KMeans, same vectors.

The vectors are the Online Retail training customers' unit fold-in vectors (3,970 x 64):
`shopwindow segments --evaluate` trains the catalog on invoices before 2011-11-01, folds
every training customer in through the core, clusters them (k-means++, 10 seeded runs,
Lloyd), prints the inertia and writes the vectors with --export-points. scikit-learn then
fits KMeans(init="k-means++", n_init=10) on exactly those vectors. --min-segment-size 1
keeps every cluster, so both inertias are plain k-means objectives of the same k.

Setup: pip install scikit-learn numpy
Run:   cargo build --release -p shopwindow-cli
       python3 examples/kmeans_vs_sklearn.py [--k 4,8,16] [--data ../shared/data]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.cluster import KMeans


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--k", default="4,8,16")
    parser.add_argument("--data", default=os.environ.get("SHOPWINDOW_DATA", "../shared/data"))
    parser.add_argument("--binary", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", "target"), "release", "shopwindow"))
    args = parser.parse_args()
    retail = os.path.join(args.data, "uci-online-retail", "online_retail.csv.gz")
    print("| k | shopwindow inertia | scikit-learn inertia | ratio |")
    print("|---|---|---|---|")
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for k in [int(v) for v in args.k.split(",")]:
            points = os.path.join(tmp, f"points-{k}.npy")
            out = subprocess.run(
                [args.binary, "segments", "--evaluate", "--online-retail", retail,
                 "--k", str(k), "--min-segment-size", "1", "--export-points", points, "-q"],
                check=True, capture_output=True, text=True).stdout
            ours = float(re.search(r"inertia ([0-9.]+)", out).group(1))
            x = np.load(points).astype(np.float64)
            theirs = KMeans(n_clusters=k, init="k-means++", n_init=10, random_state=0).fit(x).inertia_
            ratio = ours / theirs
            worst = max(worst, abs(ratio - 1.0))
            print(f"| {k} | {ours:.2f} | {theirs:.2f} | {ratio:.4f} |")
    print(f"largest relative difference: {100 * worst:.2f}%")
    return 0 if worst <= 0.01 else 1


if __name__ == "__main__":
    sys.exit(main())
