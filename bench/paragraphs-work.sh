#!/bin/sh
# bench/paragraphs-work.sh: the disk a `paragraphs` run keeps in _work per task (hostile review 2 L4).
# web-zh recipe over web/zh/cluecorpussmall_sampled_uer.jsonl (1.98 MB) with --task-size 256KB
# (8 tasks), stopped on purpose at the first task of the phase that filters (CORPUS_CLEAN_FAIL_UNIT),
# so that every task's sketch and the merged one are still in _work; prints their sizes. The recipe's
# exact dedup comes before paragraphs (new-user review 22 A2): paragraphs is its second global stage
# (_work/global/1), and the phase that filters is 4-tasks (it was 2-tasks and global/0).
# Run: npm run build && sh bench/paragraphs-work.sh [CLI=dist/bundle/main.js] [DATA=../shared/data]
CLI=${1:-dist/bundle/main.js}
DATA=${2:-../shared/data}
OUT=$(mktemp -d)/run
CORPUS_CLEAN_FAIL_UNIT=4-tasks/0 /usr/bin/time -f "%e s wall, %U+%S s CPU, %M KB peak RSS" node "$CLI" run rules/recipes/web-zh.yaml -i "$DATA/web/zh/cluecorpussmall_sampled_uer.jsonl" -o "$OUT" --task-size 256KB -w 1 -q 2>&1 | tail -1
du -sb "$OUT"/_work/global/1/paragraphs-task-* | awk '{s+=$1; n++} END {print n " task sketches: " s " bytes"}'
echo "_work: $(du -sb "$OUT/_work" | cut -f1) bytes"
rm -rf "$(dirname "$OUT")"
