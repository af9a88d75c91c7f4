#!/usr/bin/env bash
# GPU check of issue 7: the eager-vs-optimised benchmark and a medium-size main job on CUDA, in one go.
# Usage: tools/gpu_check.sh OUTDIR
# Writes OUTDIR/bench/bench.json, OUTDIR/run/results.{json,md}, samples.png, OUTDIR/env.txt and one log per step.
set -euo pipefail
if [ $# -ne 1 ]; then echo "usage: $0 OUTDIR" >&2; exit 2; fi
OUT=$1
mkdir -p "$OUT"
CLI=${I2I_UNLEARN_CLI:-i2i-unlearn}
{
  date -u
  python -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'available', torch.cuda.is_available()); print(torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no GPU')"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null || true
} > "$OUT/env.txt" 2>&1
cat "$OUT/env.txt"
python -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" || { echo "gpu_check: CUDA is not available" >&2; exit 1; }

TIME=""; [ -x /usr/bin/time ] && TIME="/usr/bin/time -v"
status=0
echo "== bench" >&2
$TIME $CLI bench --device cuda --out "$OUT/bench" > "$OUT/bench.log" 2> "$OUT/bench.err" || status=1
cat "$OUT/bench.log"
echo "== run (fashion-mnist-10k, 12 epochs)" >&2
$TIME $CLI run --device cuda --dataset fashion-mnist-10k --epochs 12 --out "$OUT/run" --overwrite \
  > "$OUT/run.log" 2> "$OUT/run.err" || status=1
cat "$OUT/run.log"
[ $status -eq 0 ] || { echo "gpu_check: a step failed; see $OUT/*.err" >&2; tail -20 "$OUT"/*.err >&2; }
exit $status
