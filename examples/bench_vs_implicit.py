#!/usr/bin/env python3
"""Time per ALS iteration: shopwindow's trainer against `implicit` 0.7.3, same matrix.

The matrix is the UCI Online Retail training matrix of BENCHMARKS.md (invoices before
2011-11-01; customer x stock code = number of distinct invoices; 3,970 x 3,607, 220,880
pairs). It is built here once, written as a `user,item,weight` CSV that `shopwindow train`
reads, and handed to `implicit` as a CSR matrix, so both fit exactly the same data with the
same hyper-parameters (64 factors, 15 iterations, 3 CG steps, lambda 0.05, alpha 1) on the
same number of threads. Rounds alternate between the two tools to share any background
load fairly; the ratio of medians is printed per round and overall.

Setup: pip install implicit==0.7.3 scipy threadpoolctl
Run:   cargo build --release -p shopwindow-cli
       env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 examples/bench_vs_implicit.py
(OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE, set on some machines here for old OpenBLAS builds,
slow a current numpy down: unset them for this command only.)
"""

import argparse
import csv
import gzip
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_info, threadpool_limits

SPLIT = "2011-11-01"


def online_retail_train_matrix(path):
    """(user ids, item ids, CSR counts) with the protocol's filters."""
    invoices = set()
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            customer = row["CustomerID"].strip()
            invoice = row["InvoiceNo"].strip()
            code = row["StockCode"].strip()
            if not customer or customer == "NA" or invoice.startswith(("C", "c")):
                continue
            if int(row["Quantity"]) <= 0 or float(row["UnitPrice"]) <= 0:
                continue
            if not code[:1].isdigit():
                continue
            if row["InvoiceDate"].strip() >= SPLIT:
                continue
            invoices.add((customer, code, invoice))
    counts = {}
    for customer, code, _ in invoices:
        counts[(customer, code)] = counts.get((customer, code), 0) + 1
    users = sorted({u for u, _ in counts})
    items = sorted({i for _, i in counts})
    user_index = {u: n for n, u in enumerate(users)}
    item_index = {i: n for n, i in enumerate(items)}
    rows = [user_index[u] for u, _ in counts]
    cols = [item_index[i] for _, i in counts]
    data = np.array(list(counts.values()), dtype=np.float32)
    matrix = sp.csr_matrix((data, (rows, cols)), shape=(len(users), len(items)))
    return users, items, matrix


def time_implicit(matrix, args):
    from implicit.cpu.als import AlternatingLeastSquares

    # One BLAS thread: implicit parallelises over users itself (and warns otherwise).
    threadpool_limits(1, "blas")
    model = AlternatingLeastSquares(
        factors=args.factors,
        regularization=args.regularization,
        alpha=args.alpha,
        iterations=args.iterations,
        calculate_training_loss=False,
        num_threads=args.threads,
        random_state=args.seed,
    )
    times = []
    model.fit(matrix, show_progress=False,
              callback=lambda _it, elapsed, _loss: times.append(elapsed))
    return 1000 * statistics.median(times), 1000 * statistics.mean(times)


def time_shopwindow(csv_path, args):
    out = os.path.join(os.path.dirname(csv_path), "bench.safetensors")
    command = [
        args.binary, "--quiet", "--threads", str(args.threads), "train",
        "--interactions", csv_path, "--output", out,
        "--factors", str(args.factors), "--iterations", str(args.iterations),
        "--regularization", str(args.regularization), "--alpha", str(args.alpha),
        "--cg-steps", "3", "--seed", str(args.seed),
    ]
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    match = re.search(r"median ([0-9.]+) ms, mean ([0-9.]+) ms", result.stdout)
    if not match:
        sys.exit(f"unexpected output from shopwindow train:\n{result.stdout}\n{result.stderr}")
    shape = re.search(r"training on (\d+) users x (\d+) items, (\d+)", result.stderr)
    return float(match.group(1)), float(match.group(2)), shape.groups() if shape else None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="../shared/data/uci-online-retail/online_retail.csv.gz")
    parser.add_argument("--binary", default=os.environ.get("CARGO_TARGET_DIR", "target") + "/release/shopwindow")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--factors", type=int, default=64)
    parser.add_argument("--iterations", type=int, default=15)
    parser.add_argument("--regularization", type=float, default=0.05)
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    start = time.time()
    users, items, matrix = online_retail_train_matrix(args.data)
    print(f"Online Retail training matrix: {matrix.shape[0]} users x {matrix.shape[1]} items, "
          f"{matrix.nnz} pairs (built in {time.time() - start:.1f} s)")
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = os.path.join(tmp, "train.csv")
        coo = matrix.tocoo()
        with open(csv_path, "w") as f:
            f.write("user,item,weight\n")
            for r, c, v in zip(coo.row, coo.col, coo.data):
                f.write(f"{users[r]},{items[c]},{int(v)}\n")

        ratios = []
        for round_ in range(1, args.rounds + 1):
            theirs, theirs_mean = time_implicit(matrix, args)
            ours, ours_mean, shape = time_shopwindow(csv_path, args)
            if round_ == 1:
                print(f"shopwindow read: {shape[0]} users x {shape[1]} items, {shape[2]} pairs")
                blas = [(i.get('internal_api'), i.get('architecture'), i.get('num_threads'))
                        for i in threadpool_info()]
                print(f"BLAS (numpy/scipy): {blas}")
            ratios.append(ours / theirs)
            print(f"round {round_}: implicit {theirs:.1f} ms/it (mean {theirs_mean:.1f}), "
                  f"shopwindow {ours:.1f} ms/it (mean {ours_mean:.1f}), ratio {ours / theirs:.2f}")
    print(f"time per iteration, shopwindow / implicit (median of {args.rounds} rounds): "
          f"{statistics.median(ratios):.2f}  ({args.factors} factors, {args.iterations} iterations, "
          f"{args.threads} threads)")


if __name__ == "__main__":
    main()
