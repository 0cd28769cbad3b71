#!/usr/bin/env python3
"""Robustness checks of `shopwindow train`'s self-tuning (issue 13).

Derives variants of the shared data sets into a scratch directory (never the repo: the
data may not be redistributed), then runs `shopwindow eval` on each with popularity,
item-kNN, EASE over a small λ grid and `tuned` (train with no hyper-parameter flags,
scored as the device will). Every derivation is seeded, so the checks are reproducible.

    python3 examples/robustness.py [--bin target/release/shopwindow] \
        [--data /work/shared/data] [--out /tmp/shopwindow-robustness] [--only NAME,...] \
        [--models LIST] [--k LENGTH] [--seed SEED] [--large-catalog]

Checks (all Online Retail ones apply the CLI's own row filters and split at 2011-11-01
unless said otherwise):
  or-users30    30 % of the customers (a smaller store)
  or-items50    a random half of the products
  or-top100     the 100 most bought products only, recall@10 (a small store)
  or-sparse     each customer keeps 1-3 random invoices (few events per customer)
  or-rows20     a seeded fifth of the purchase rows (thin histories, few co-purchases)
  or-rows5      a twentieth of the rows: item-kNN falls far below a bestseller list, as
                in a sparse grocery sample
  or-lastbasket every customer's last invoice is the test set (no global cut)
  ml-untimed    MovieLens u1..u5, the tuner's validation split as without times (random:
                what `auto` picks when rows have no time; --untimed-split last-item
                for the file-order rule)
  ml-temporal   MovieLens with its times, ratings from 1998-04-01 (the last tenth of time)
                as the test set: the future of the 85 raters who came back, where the
                tuner's own temporal slice is too small and `auto` falls back

--large-catalog runs `tuned` on the path a catalog too large for the full EASE inverse
takes (`--tune-ease-memory 0`: each product's EASE regression solved on its strongest
co-buys), the path of a store with more than about 4,400 products, on data small enough
to compare with full EASE.
"""

import argparse
import csv
import gzip
import hashlib
import os
import random
import subprocess
import sys
import time

EASE_GRID = "20,50,100,200,500,1000,3000"


def keep(key, share, salt):
    h = hashlib.sha256(f"{salt}:{key}".encode()).digest()
    return int.from_bytes(h[:8], "little") / 2**64 < share


def retail_rows(path):
    """(customer, stock code, invoice, date) purchases, as the CLI's reader keeps them."""
    seen = set()
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        for r in csv.DictReader(f):
            c, inv, code = r["CustomerID"].strip(), r["InvoiceNo"].strip(), r["StockCode"].strip()
            if not c or inv.startswith("C"):
                continue
            try:
                if float(r["Quantity"]) <= 0 or float(r["UnitPrice"]) <= 0:
                    continue
            except ValueError:
                continue
            if not code[:1].isdigit():
                continue
            key = (c, code, inv)
            if key in seen:
                continue
            seen.add(key)
            yield c, code, inv, r["InvoiceDate"].strip()


def write(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        for c, code, _inv, date in rows:
            w.writerow([c, code, 1, date])


def derive(rows, name):
    if name == "or-users30":
        return [r for r in rows if keep(r[0], 0.3, "users")]
    if name == "or-items50":
        return [r for r in rows if keep(r[1], 0.5, "items")]
    if name == "or-top100":
        counts = {}
        for r in rows:
            counts[r[1]] = counts.get(r[1], 0) + 1
        top = set(sorted(counts, key=lambda c: (-counts[c], c))[:100])
        return [r for r in rows if r[1] in top]
    if name == "or-sparse":
        invoices = {}
        for r in rows:
            invoices.setdefault(r[0], set()).add(r[2])
        rng = random.Random(13)
        kept = set()
        for c in sorted(invoices):
            inv = sorted(invoices[c])
            kept.update(rng.sample(inv, min(len(inv), rng.randint(1, 3))))
        return [r for r in rows if r[2] in kept]
    if name in ("or-rows20", "or-rows5"):
        share = int(name[len("or-rows"):]) / 100
        return [r for r in rows if keep("|".join(r[:3]), share, "rows")]
    if name == "or-lastbasket":
        return rows
    raise ValueError(name)


CHECKS = ["or-users30", "or-items50", "or-top100", "or-sparse", "or-rows20", "or-rows5",
          "or-lastbasket", "ml-untimed", "ml-temporal"]


def movielens_rows(path):
    """(user, movie, time) of every rating in MovieLens's `u.data`, each as one event."""
    with open(path) as f:
        for line in f:
            user, movie, _rating, t = line.split()
            yield f"u{user}", f"i{movie}", t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/shopwindow")
    ap.add_argument("--data", default="/work/shared/data")
    ap.add_argument("--out", default="/tmp/shopwindow-robustness")
    ap.add_argument("--only", default=",".join(CHECKS))
    ap.add_argument("--models", default="popularity,itemknn,ease,tuned")
    ap.add_argument("--untimed-split", default="random", choices=["random", "last-item"])
    ap.add_argument("--k", type=int, default=None,
                    help="list length every check is scored at (default: 20, the top-100 "
                         "store and MovieLens 10)")
    ap.add_argument("--seed", type=int, default=None,
                    help="the seed `tuned` trains with (default: eval's own, 42)")
    ap.add_argument("--large-catalog", action="store_true",
                    help="tune as for a catalog the full EASE inverse does not fit "
                         "(--tune-ease-memory 0: local EASE neighbours)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rows = None
    for name in args.only.split(","):
        if name == "ml-untimed":
            cmd = [args.bin, "-q", "eval", "--movielens", f"{args.data}/movielens-100k",
                   "--models", args.models, "--ease-lambda", EASE_GRID,
                   "--tune-split", args.untimed_split]
            if args.k is not None:
                cmd += ["--k", str(args.k)]
        elif name == "ml-temporal":
            path = os.path.join(args.out, f"{name}.csv")
            if not os.path.exists(path):
                with open(path, "w", newline="") as f:
                    w = csv.writer(f)
                    w.writerow(["user", "item", "weight", "time"])
                    for user, movie, t in movielens_rows(f"{args.data}/movielens-100k/u.data"):
                        w.writerow([user, movie, 1, t])
            cmd = [args.bin, "-q", "eval", "--interactions", path, "--test-from", "1998-04-01",
                   "--models", args.models, "--ease-lambda", EASE_GRID]
            if args.k is not None:
                cmd += ["--k", str(args.k)]
        else:
            if rows is None:
                rows = list(retail_rows(f"{args.data}/uci-online-retail/online_retail.csv.gz"))
            path = os.path.join(args.out, f"{name}.csv")
            if not os.path.exists(path):
                write(path, derive(rows, name))
            test_from = "last-basket" if name == "or-lastbasket" else "2011-11-01"
            cmd = [args.bin, "-q", "eval", "--interactions", path, "--test-from", test_from,
                   "--models", args.models, "--ease-lambda", EASE_GRID]
            if args.k is not None:
                cmd += ["--k", str(args.k)]
            elif name == "or-top100":
                cmd += ["--k", "10"]
        if args.seed is not None:
            cmd += ["--seed", str(args.seed)]
        if args.large_catalog:
            cmd += ["--tune-ease-memory", "0"]
        print(f"## {name}\n$ {' '.join(cmd)}", flush=True)
        start = time.time()
        subprocess.run(cmd, check=True, stderr=sys.stdout, stdout=sys.stdout)
        print(f"({time.time() - start:.0f} s)\n", flush=True)


if __name__ == "__main__":
    main()
