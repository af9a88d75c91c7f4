#!/usr/bin/env python
"""Peak memory of `i2i-unlearn run --dataset folder --quick` on synthetic ImageFolder trees of growing size.

Usage: python tools/rss_folder.py [--sizes 2000,16000] [--trees DIR] [--torchrun K] [--json OUT.json]
Makes (once, then reuses) trees of seeded random 64-px PNGs in 10 classes under DIR, runs the quick
job on each in a fresh process (one after the other, CPU), and records per size: wall seconds,
`maxrss_mib` (the largest single process of the job: ru_maxrss from wait4, which covers reaped
descendants: DataLoader workers, torchrun's ranks) and `tree_pss_mib` (the largest sum of PSS, shared pages split, over
the job's whole process tree, sampled from /proc every 0.1 s). Issue 19's acceptance: peak RSS grows
by at most 15% from 2,000 to 16,000 images.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, threading, time
from pathlib import Path

import numpy as np

def make_tree(root:Path, n:int, classes:int=10, side:int=64) -> Path:
    "n seeded random side-px PNGs in `classes` class folders (kept if already complete)."
    from PIL import Image
    done = root / '.complete'
    if done.exists(): return root
    g = np.random.default_rng(0)
    for i in range(n):
        d = root / f'c{i % classes:02d}'; d.mkdir(parents=True, exist_ok=True)
        Image.fromarray(g.integers(0, 256, (side, side, 3), dtype=np.uint8)).save(d / f'{i:06d}.png')
    done.write_text(str(n))
    return root

def _tree_pids(root:int) -> list:
    "root and all its descendants, from /proc."
    kids = {}
    for p in Path('/proc').iterdir():
        if not p.name.isdigit(): continue
        try: ppid = int((p / 'stat').read_text().rsplit(')', 1)[1].split()[1])
        except (OSError, IndexError, ValueError): continue
        kids.setdefault(ppid, []).append(int(p.name))
    out, todo = [], [root]
    while todo:
        q = todo.pop(); out.append(q); todo += kids.get(q, [])
    return out

def _pss_kib(pid:int) -> int:
    "Proportional set size: shared pages (forked workers, torch's libraries) divided among the processes sharing them."
    try:
        for line in Path(f'/proc/{pid}/smaps_rollup').read_text().splitlines():
            if line.startswith('Pss:'): return int(line.split()[1])
    except OSError: pass
    return 0

def measure(cmd:list, env:dict) -> dict:
    "Run `cmd`; its wall time, exit code, the largest single-process RSS and the largest process-tree PSS sum (MiB)."
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak, stop = [0], threading.Event()
    def poll():
        while not stop.is_set():
            peak[0] = max(peak[0], sum(_pss_kib(q) for q in _tree_pids(p.pid))); time.sleep(0.1)
    th = threading.Thread(target=poll, daemon=True); th.start()
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    stop.set(); th.join()
    p.returncode = os.waitstatus_to_exitcode(status)
    return dict(seconds=round(time.perf_counter() - t0, 1), returncode=p.returncode, maxrss_mib=round(ru.ru_maxrss / 1024, 1),
                tree_pss_mib=round(peak[0] / 1024, 1), stderr_tail=err[-1500:] if p.returncode else '')

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--sizes', default='2000,16000'); ap.add_argument('--trees', default=str(Path(tempfile.gettempdir()) / 'i2i_rss_trees'))
    ap.add_argument('--torchrun', type=int, default=0, help='processes under torchrun (0: one process, no torchrun)')
    ap.add_argument('--json', default=None)
    a = ap.parse_args(argv)
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get('OMP_NUM_THREADS', '1'))
    launch = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', str(a.torchrun)] if a.torchrun else [sys.executable]
    rows = {}
    for n in map(int, a.sizes.split(',')):
        tree = make_tree(Path(a.trees) / f'tree{n}', n)
        work = Path(tempfile.mkdtemp(prefix=f'rss{n}_'))
        cmd = [*launch, '-m', 'i2i_unlearn', 'run', '--dataset', 'folder', '--data-root', str(tree), '--quick', '--forget-classes', '0',
               '--device', 'cpu', '--out', str(work / 'out')]
        rows[n] = measure(cmd, dict(env, I2I_UNLEARN_CACHE=str(work / 'cache'))) | dict(command=' '.join(cmd[1:] if not a.torchrun else cmd))
        shutil.rmtree(work, ignore_errors=True)
        print(n, {k: v for k, v in rows[n].items() if k != 'command'}, flush=True)
    lo, hi = rows[min(rows)], rows[max(rows)]
    res = dict(sizes=rows, torchrun=a.torchrun, growth_maxrss=round(hi['maxrss_mib'] / lo['maxrss_mib'] - 1, 4),
               growth_tree_pss=round(hi['tree_pss_mib'] / lo['tree_pss_mib'] - 1, 4))
    print(json.dumps({k: v for k, v in res.items() if k != 'sizes'}))
    if a.json: Path(a.json).write_text(json.dumps(res, indent=1) + '\n')
    return 0 if all(r['returncode'] == 0 for r in rows.values()) else 1

if __name__ == '__main__': sys.exit(main())
