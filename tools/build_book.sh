#!/usr/bin/env bash
# Build the book: every chapter in nbs/ executed once, then rendered by Jupyter Book 1, offline, into
# OUTDIR (HTML).
#
#   bash tools/build_book.sh OUTDIR
#
# OUTDIR must be empty or not exist. The chapters are mapped to myst-nb tags and executed in
# nbdev_test's executor, BOOK_JOBS at a time (tools/nb_to_book.py run-all); Jupyter Book renders their
# outputs and executes nothing. nbs/ is never changed by the build (the chapters run in nbs/, as under
# nbdev_test). A cell error fails the build. Environment (all optional):
#   IN_TEST=1         default: chapters run small (i2i_unlearn.core.in_test()); IN_TEST=0 for full size
#   BOOK_JOBS=2       chapters executed at once (each on OMP_NUM_THREADS threads, default 1)
#   BOOK_EXECUTED     a folder made by `nb_to_book.py run-all` (the test suite's): render it, run nothing
#   BOOK_CHAPTERS     comma-separated subset, e.g. "00_core,02_data" (index is always built)
#   BOOK_FLAGS        test flags whose cells run too, e.g. "slow" (as nbdev_test --flags)
#   BOOK_REF          build the chapters and package of a git ref (e.g. HEAD) instead of the work tree
#   BOOK_SRC          build another checkout (a folder with nbs/ and settings.ini) instead of this one
#   BOOK_KEEP=1       keep the temporary Jupyter Book source folder (its path is printed)
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: bash tools/build_book.sh OUTDIR" >&2; exit 2; }
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$1"
if [ -e "$OUT" ] && [ -n "$(ls -A "$OUT")" ]; then echo "build_book: $OUT is not empty" >&2; exit 2; fi
mkdir -p "$OUT"; OUT="$(cd "$OUT" && pwd)"
command -v jupyter-book >/dev/null || { echo "build_book: jupyter-book not found (pip install -e '.[dev]')" >&2; exit 2; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/i2i_book.XXXXXX")"
[ "${BOOK_KEEP:-0}" = 1 ] && echo "build_book: source kept in $WORK" || trap 'rm -rf "$WORK"' EXIT

SRC="$(cd "${BOOK_SRC:-$ROOT}" && pwd)"
if [ -n "${BOOK_REF:-}" ]; then      # a clean snapshot: chapters in progress in the work tree stay out
  SRC="$WORK/src"; mkdir -p "$SRC"
  git -C "${BOOK_SRC:-$ROOT}" archive "$BOOK_REF" | tar -x -C "$SRC"
fi

start=$(date +%s)
export IN_TEST="${IN_TEST-1}"
EXE="${BOOK_EXECUTED:-$WORK/executed}"
if [ -z "${BOOK_EXECUTED:-}" ]; then
  if ! python "$ROOT/tools/nb_to_book.py" run-all "$EXE" --src "$SRC" --chapters "${BOOK_CHAPTERS:-}" \
       --flags "${BOOK_FLAGS:-}" --jobs "${BOOK_JOBS:-2}" | sed 's/^/build_book:   /'; then
    echo "build_book: a chapter failed (IN_TEST=$IN_TEST); the book is not built" >&2
    exit 1
  fi
fi
python "$ROOT/tools/nb_to_book.py" book "$WORK/book" --src "$SRC" --chapters "${BOOK_CHAPTERS:-}" \
  --flags "${BOOK_FLAGS:-}" --executed "$EXE"
python -c "import importlib; importlib.import_module('sphinx-mathjax-offline')" 2>/dev/null ||
  echo "build_book: warning: sphinx-mathjax-offline is not installed, so pages load MathJax from its CDN and show raw TeX offline" >&2
cp "$SRC/settings.ini" "$WORK/"      # nbdev's get_config() looks for it above the chapters' folder

# Offline and quiet: nothing is executed or fetched here; the chapters' outputs are rendered.
export PYDEVD_DISABLE_FILE_VALIDATION=1 HF_HUB_OFFLINE=1 TORCH_HOME="$WORK/torch_home"
if ! jupyter-book build "$WORK/book" --builder html >"$WORK/build.log" 2>&1; then
  sed 's/\x1b\[[0-9;]*m//g' "$WORK/build.log" | tail -n 80 >&2
  echo "build_book: jupyter-book failed" >&2
  exit 1
fi
sed 's/\x1b\[[0-9;]*m//g' "$WORK/build.log" > "$WORK/build.txt"
grep -E "WARNING|ERROR" "$WORK/build.txt" | grep -v "IPKernelApp" | head -n 40 >&2 || true

cp -R "$WORK/book/_build/html/." "$OUT/"
rm -rf "$OUT/reports" "$OUT/.doctrees"
python - "$WORK/book/_toc.yml" "$OUT" <<'EOF'
import sys, re
from pathlib import Path
toc, out = Path(sys.argv[1]).read_text(), Path(sys.argv[2])
pages = ['index'] + re.findall(r'^- file: (\S+)$', toc, re.M)
missing = [p for p in pages if not (out / f'{p}.html').is_file()]
if missing: sys.exit(f'build_book: no page for {missing}')
print(f'build_book: {len(pages)} chapters, {len(list(out.glob("*.html")))} HTML pages in {out}')
EOF
echo "build_book: done in $(( $(date +%s) - start )) s (IN_TEST=$IN_TEST)"
