#!/usr/bin/env bash
# The three-seed runs of the realism issue (15) and the diffusion issue (20) on one GPU, as parallel processes.
# Usage: tools/gpu_seeds.sh OUTDIR [FASHION_ROOT]
#   Jobs (each `i2i-unlearn` at its defaults unless named; seed s = 0, 1, 2; two oracles each):
#     class-s      run                                              (fashion-mnist-10k, conv_ae, recon, class 0)
#     canary-s     run --dataset fashion-canaries --forget-classes 10   (memorised photo crops)
#     audit-s      audit                                            (backdoor audit, conv_ae)
#     diffusion-s  run --model diffusion --task inpaint             (tiny Palette model, 32 px)
#     daudit-0     audit --model diffusion                          (seed 0 only)
#     scale-0      run --dataset fashion-mnist --max-per-class 7000 (49.7k training images; seed 0 only)
#   Environment: SEEDS_DEVICE (default cuda; cpu with SEEDS_QUICK=1 smoke-tests the script), SEEDS_LIMIT (seconds
#   for all jobs together, default 540), SEEDS_PARALLEL (jobs at once, default 6), SEEDS_JOBS (a regular
#   expression of job names to run, default all), I2I_UNLEARN_CLI.
# A pool of SEEDS_PARALLEL workers takes the jobs in the order above with the diffusion ones first; each job runs
# with one CPU thread under `timeout` of the time left, and a job that would start with under 30 s left is skipped.
# OUTDIR/seeds.tgz (results.json, results.md, logs; no model files or figures) is repacked every 30 s and at
# the end, and each run's samples.png is copied to OUTDIR/NAME-samples.png, so a killed call still returns what
# finished.
# OUTDIR/summary.txt lists each job's exit code and wall seconds.
set -uo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ]; then echo "usage: $0 OUTDIR [FASHION_ROOT]" >&2; exit 2; fi
OUT=$1
ROOT=${2:-/usr/share/datasets/fashion-mnist}
DEV=${SEEDS_DEVICE:-cuda}
LIMIT=${SEEDS_LIMIT:-540}
PICK=${SEEDS_JOBS:-.*}
CLI=${I2I_UNLEARN_CLI:-i2i-unlearn}
QUICK=""; [ -n "${SEEDS_QUICK:-}" ] && QUICK="--quick"
WORK=$(mktemp -d)/seeds
mkdir -p "$OUT" "$WORK"
pack() {
  tar czf "$OUT/seeds.tmp.tgz" --exclude='*.safetensors' --exclude='*.png' --exclude='*.ckpt' \
    -C "$(dirname "$WORK")" seeds && mv "$OUT/seeds.tmp.tgz" "$OUT/seeds.tgz"
  for f in "$WORK"/*/samples.png; do [ -f "$f" ] && cp "$f" "$OUT/$(basename "$(dirname "$f")")-samples.png"; done
}
{
  date -u
  python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)"
  python3 -c "import torch; print(torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no GPU')"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null || true
  nproc
} > "$WORK/env.txt" 2>&1
export OMP_NUM_THREADS=1  # after nproc, which reads it
if [ "$DEV" = cuda ]; then
  python3 -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" \
    || { echo "CUDA is not available" >&2; exit 1; }
fi
runjob() {  # runjob NAME command...: run under the time left; record exit code and seconds
  local name=$1; shift
  local left=$((DEADLINE - $(date +%s)))
  if [ $left -lt 30 ]; then echo "$name exit skipped seconds 0" >> "$WORK/jobs.txt"; return 0; fi
  local t0=$SECONDS
  timeout "$left" "$@" --device "$DEV" $QUICK --out "$WORK/$name" > "$WORK/$name.log" 2>&1
  echo "$name exit $? seconds $((SECONDS - t0))" >> "$WORK/jobs.txt"
}
export -f runjob
export WORK DEV QUICK DEADLINE=$(($(date +%s) + LIMIT))
{  # in order of priority: the pool of SEEDS_PARALLEL workers takes them from the top
  for s in 0 1 2; do echo "diffusion-$s $CLI run --model diffusion --task inpaint --seed $s"; done
  echo "daudit-0 $CLI audit --model diffusion --seed 0"
  for s in 0 1 2; do
    echo "class-$s $CLI run --seed $s"
    echo "canary-$s $CLI run --dataset fashion-canaries --forget-classes 10 --seed $s"
    echo "audit-$s $CLI audit --seed $s"
  done
  echo "scale-0 $CLI run --dataset fashion-mnist --data-root $ROOT --max-per-class 7000 --seed 0"
} | grep -E "^($PICK)" > "$WORK/queue.txt"
( while sleep 30; do pack; done ) &
PACKER=$!
xargs -P "${SEEDS_PARALLEL:-6}" -L 1 bash -c 'runjob "$@"' _ < "$WORK/queue.txt"
kill $PACKER 2>/dev/null
pack
cp "$WORK/jobs.txt" "$OUT/summary.txt"
cat "$OUT/summary.txt" >&2
! grep -qv ' exit 0 ' "$OUT/summary.txt"
