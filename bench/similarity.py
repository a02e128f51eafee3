"""Similar suggestions (献一计) at city scale: N published suggestions, their word index,
and similarity.similar() for a typed text, against a plain LIKE scan of the stored words for the
query's first word (the cheapest search the database can do) on the same rows, same run.

python bench/similarity.py [--n 30000] [--database postgres://user@host:5432/name]
"""

import argparse
import random
import sys
import time
import tracemalloc

from fresh import fresh_wenming

PLACES = (
    "公园 小区 地铁站 公交站 学校门口 医院 菜市场 广场 河边步道 十字路口 "
    "商场 火车站 老城区 新城区 体育馆 图书馆 社区 街道 停车场 人行道"
).split()
THINGS = (
    "垃圾桶 路灯 座椅 厕所 红绿灯 停车位 健身器材 绿化带 井盖 护栏 "
    "指示牌 公交线路 共享单车 充电桩 无障碍通道 监控 饮水机 遮阳棚 宣传栏 消防通道"
).split()
PROBLEMS = [
    "太少了",
    "坏了很久没人修",
    "不够用",
    "位置不合理",
    "需要增加",
    "存在安全隐患",
    "经常被占用",
    "晚上看不清",
    "影响市容",
    "老人使用不方便",
]
QUERIES = ["建议在公园增加垃圾桶", "地铁站座椅太少", "学校门口红绿灯坏了很久没人修，晚上看不清，家长很担心孩子的安全"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=30000, help="published suggestions (default 30000)")
    parser.add_argument("--database", default="sqlite", help="sqlite (default) or a postgres:// URL")
    args = parser.parse_args()
    fresh_wenming(args.database)
    from django.db import connection
    from django.utils import timezone

    from wenming.participation import similarity
    from wenming.participation.models import Suggestion, SuggestionTopic

    topics = list(SuggestionTopic.objects.all())
    rng = random.Random(1)
    now = timezone.now()
    started = time.perf_counter()
    rows = []
    for i in range(args.n):
        place, thing, problem = rng.choice(PLACES), rng.choice(THINGS), rng.choice(PROBLEMS)
        title = f"{place}{thing}{problem}"
        elsewhere = f"{rng.choice(PLACES)}也有类似情况，{rng.choice(THINGS)}{rng.choice(PROBLEMS)}"
        body = f"{place}附近的{thing}{problem}，{elsewhere}。希望有关部门尽快处理。"
        rows.append(
            Suggestion(
                number=f"JY{i:012d}",
                topic=rng.choice(topics),
                title=title,
                body=body,
                status="published",
                words=similarity.words_of(title, body),
                created_at=now,
                updated_at=now,
            )
        )
    segment_ms = (time.perf_counter() - started) / args.n * 1000
    Suggestion.objects.bulk_create(rows, batch_size=2000)
    print(
        f"database: {connection.vendor}; {args.n:,} published suggestions; word segmentation {segment_ms:.2f} ms each"
    )

    similarity.invalidate()
    tracemalloc.start()
    started = time.perf_counter()
    similarity.get_index()
    build = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    print(f"index build: {build:.2f} s, peak {peak:.0f} MB")

    def timed(function, repeat=20):
        function()
        started = time.perf_counter()
        for _ in range(repeat):
            function()
        return (time.perf_counter() - started) / repeat * 1000

    print(f"{'query':<34}{'ms':>8}{'× baseline':>12}  best match")
    for query in QUERIES:
        first_word = similarity.tokens(query)[0]
        baseline = timed(
            lambda word=first_word: list(
                Suggestion.objects.filter(words__contains=word).values_list("pk", flat=True)[:5]
            )
        )
        found = []
        took = timed(lambda found=found, query=query: found.__setitem__(slice(None), similarity.similar(query)))
        best = f"{found[0].title} ({found[0].score:.2f})" if found else "-"
        print(f"{'baseline: LIKE %' + first_word + '%':<34}{baseline:>8.1f}{1:>12.2f}")
        print(f"{'similar(' + query[:10] + '…)':<34}{took:>8.1f}{took / baseline:>12.2f}  {best}")


if __name__ == "__main__":
    sys.exit(main())
