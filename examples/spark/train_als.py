"""Train Spark MLlib's implicit ALS on a shopwindow training split and save the model.

Reads the integer-indexed split that `shopwindow eval --export-split DIR` writes
(ratings.csv: user,item,rating), trains ALS(implicitPrefs=True) in local mode, and writes:

  OUT/model/            ALSModel.save: metadata/, itemFactors/, userFactors/ (Parquet)
  OUT/als/              ALS.save: the estimator's parameters (alpha, regParam, ...)
  OUT/recommendations.csv  user,rank,item,score: Spark's recommendForUserSubset top-k
                        for every user whose index is a multiple of --sample-every

Then `shopwindow import --from spark-als OUT/model --spark-estimator OUT/als
--id-map DIR/item_ids.csv -o catalog.safetensors` makes the catalog.

On a cluster, drop --master (spark-submit sets it) and point --split at shared storage.
"""

import argparse
import csv
import os
import time

from pyspark.ml.recommendation import ALS
from pyspark.sql import SparkSession
from pyspark.sql.types import FloatType, IntegerType, StructField, StructType


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--split", required=True, help="directory of `shopwindow eval --export-split`")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--master", default="local[2]")
    p.add_argument("--rank", type=int, default=32)
    p.add_argument("--max-iter", type=int, default=10)
    p.add_argument("--reg-param", type=float, default=0.1)
    p.add_argument("--alpha", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--k", type=int, default=10, help="length of the recommendation lists")
    p.add_argument("--sample-every", type=int, default=20)
    return p.parse_args()


def main():
    args = parse_args()
    spark = (
        SparkSession.builder.master(args.master)
        .appName("shopwindow-als")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    schema = StructType(
        [
            StructField("user", IntegerType(), False),
            StructField("item", IntegerType(), False),
            StructField("rating", FloatType(), False),
        ]
    )
    ratings = spark.read.csv(os.path.join(args.split, "ratings.csv"), header=True, schema=schema)
    ratings = ratings.cache()
    als = ALS(
        rank=args.rank,
        maxIter=args.max_iter,
        regParam=args.reg_param,
        alpha=args.alpha,
        implicitPrefs=True,
        seed=args.seed,
        userCol="user",
        itemCol="item",
        ratingCol="rating",
    )
    start = time.time()
    model = als.fit(ratings)
    model.itemFactors.count()  # fit is lazy up to here on some versions
    seconds = time.time() - start
    model.write().overwrite().save(os.path.join(args.out, "model"))
    als.write().overwrite().save(os.path.join(args.out, "als"))

    users = ratings.select("user").distinct().where(ratings.user % args.sample_every == 0)
    lists = model.recommendForUserSubset(users, args.k).collect()
    with open(os.path.join(args.out, "recommendations.csv"), "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["user", "rank", "item", "score"])
        for row in sorted(lists, key=lambda r: r.user):
            for rank, rec in enumerate(row.recommendations):
                out.writerow([row.user, rank, rec.item, repr(float(rec.rating))])
    print(
        f"trained ALS rank={args.rank} maxIter={args.max_iter} regParam={args.reg_param} "
        f"alpha={args.alpha} in {seconds:.1f} s; {len(lists)} users' top-{args.k} written"
    )
    spark.stop()


if __name__ == "__main__":
    main()
