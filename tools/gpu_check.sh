#!/usr/bin/env bash
# GPU check of issue 19: on CUDA, (1) the eager-versus-optimised benchmark (channels_last, torch.compile,
# bf16 autocast, fused AdamW), (2) the streaming folder path (a synthetic 64-px ImageFolder tree, DataLoader
# workers), (3) the scaling sweep (tools/scaling.py: the main job at 700, 1500, 3000, 6000 images per class
# of the full Fashion-MNIST).
# Usage: tools/gpu_check.sh OUTDIR [FASHION_ROOT]
#   FASHION_ROOT: folder with the four Fashion-MNIST idx files (default: the Debian package's).
#   Environment: GPU_EPOCHS (training epochs of the sweep, default 20), GPU_SIZES (default 700,1500,3000,6000),
#   GPU_DEVICE (default cuda; cpu makes a smoke test of the script itself), I2I_UNLEARN_CLI (default i2i-unlearn).
# Writes OUTDIR/gpu_check.tgz (every step's outputs and logs, model files left out), repacked after each step
# so that a step killed by a time limit still leaves the earlier ones, and OUTDIR/summary.txt.
set -uo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ]; then echo "usage: $0 OUTDIR [FASHION_ROOT]" >&2; exit 2; fi
OUT=$1
ROOT=${2:-/usr/share/datasets/fashion-mnist}
DEV=${GPU_DEVICE:-cuda}
CLI=${I2I_UNLEARN_CLI:-i2i-unlearn}
WORK=$(mktemp -d)/gpu_check
mkdir -p "$OUT" "$WORK"
pack() { tar czf "$OUT/gpu_check.tgz" --exclude='*.safetensors' --exclude='tree*' --exclude='*.png' -C "$(dirname "$WORK")" gpu_check; }
say() { echo "$(date -u +%T) $*" | tee -a "$OUT/summary.txt" >&2; }
{
  date -u
  python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'available', torch.cuda.is_available()); print(torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no GPU')"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null || true
  nproc
} > "$WORK/env.txt" 2>&1
cat "$WORK/env.txt" >&2
if [ "$DEV" = cuda ]; then
  python3 -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" || { say "CUDA is not available"; pack; exit 1; }
fi
status=0
step() {  # step NAME SECONDS command...: run with a time limit, log it, record its exit code, repack
  local name=$1 limit=$2; shift 2
  local t0=$SECONDS
  timeout "$limit" "$@" > "$WORK/$name.log" 2>&1
  local rc=$?
  say "$name: exit $rc after $((SECONDS - t0)) s"
  [ $rc -eq 0 ] || { status=1; tail -n 25 "$WORK/$name.log" >&2; }
  pack
}
QUICK=""; [ "$DEV" = cpu ] && QUICK="--quick"
[ -n "${GPU_SKIP_BENCH:-}" ] || step bench 200 $CLI bench --device "$DEV" $QUICK --out "$WORK/bench"
python3 -c "import sys; sys.path.insert(0, 'tools'); from rss_folder import make_tree; from pathlib import Path; make_tree(Path('$WORK/tree2000'), 2000)"
TIME=""; [ -x /usr/bin/time ] && TIME="/usr/bin/time -v"
step stream 120 $TIME $CLI run --dataset folder --data-root "$WORK/tree2000" --quick --device "$DEV" --out "$WORK/stream"
SWEEP_EXTRA=(--data-root "$ROOT")
[ "$DEV" = cpu ] && SWEEP_EXTRA+=(--quick)
step scaling "${GPU_SWEEP_LIMIT:-420}" python3 tools/scaling.py --sizes "${GPU_SIZES:-700,1500,3000,6000}" --device "$DEV" \
  --epochs "${GPU_EPOCHS:-20}" --out "$WORK/scaling" -- "${SWEEP_EXTRA[@]}"
cp "$WORK/scaling/scaling.json" "$OUT/" 2>/dev/null || true
cp "$WORK/bench/bench.json" "$OUT/" 2>/dev/null || true
exit $status
