#!/usr/bin/env python
"""Cost of unlearning versus retraining as the data grows: the full main job at several training-set sizes.

Usage: python tools/scaling.py --sizes 700,1500,3000,6000 --out DIR [--device cuda] [--epochs 100|E1,E2,..]
       [--jobs 2] [-- more run flags]
Runs `i2i-unlearn run --dataset fashion-mnist --max-per-class N` (the first N images of each of the 10
Fashion-MNIST classes; the Debian package dataset-fashion-mnist or --data-root) once per size, each
into DIR/nN in a fresh process, and writes DIR/scaling.json: per size, the training-set size |D|,
every model's seconds, every method's cost ratio (its seconds over retraining's), the realism numbers
of issue 15 for every method (realism ratio and KS p on the forget test split, retain-test MSE over
the oracle's), each reference's plateau test and the route decouple took. Issue 19's acceptance reads
this file. `--collect RUNS` runs nothing: it rebuilds the rows from the finished RUNS/nN folders of an
earlier sweep (a size without a results.json is recorded as not finished), for a sweep that was stopped.
--epochs is one count for every size or one per size (larger sets need fewer epochs to
converge; the plateau test says whether they did). --jobs J runs J sizes at once, largest first, each
with one torch thread (a method and its retraining always share one process, so a cost ratio compares
seconds under the same load). A size whose run fails is recorded with its exit code (and the sweep
goes on); nothing is faked.
"""
import argparse, json, os, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

def parse(argv:list) -> tuple:
    "Options, and the extra `run` flags after `--`."
    extra = argv[argv.index('--') + 1:] if '--' in argv else []
    argv = argv[:argv.index('--')] if '--' in argv else argv
    p = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    p.add_argument('--sizes', default='700,1500,3000,6000', help='images per class, comma-separated')
    p.add_argument('--out', required=True, help='a new (or empty) folder')
    p.add_argument('--device', default='auto')
    p.add_argument('--epochs', default=None, help="training epochs, one count or one per size (default: run's, the model's reference recipe)")
    p.add_argument('--jobs', type=int, default=1, help='sizes run at once (each with one torch thread when above 1)')
    p.add_argument('--collect', default=None, help="an earlier sweep's folder: rebuild its rows, run nothing")
    return p.parse_args(argv), extra

def sizes(text:str) -> list:
    "The per-class sizes, or exit 2 naming what is valid."
    try: ns = [int(s) for s in text.split(',')]
    except ValueError: ns = [0]
    if not ns or min(ns) < 1:
        print(f"scaling: error: --sizes must be positive integers separated by commas, got {text!r}", file=sys.stderr)
        sys.exit(2)
    return ns

def epochs_per_size(text:str|None, # --epochs: None, one count, or one count per size
                    ns:list, # the per-class sizes
                   ) -> list:
    "One epoch count (or None: run's default) per size, or exit 2 naming what is valid."
    if text is None: return [None] * len(ns)
    try: es = [int(s) for s in text.split(',')]
    except ValueError: es = [0]
    if len(es) == 1: es = es * len(ns)
    if len(es) != len(ns) or min(es) < 1:
        print(f"scaling: error: --epochs must be one positive integer or one per size ({len(ns)}), got {text!r}",
              file=sys.stderr)
        sys.exit(2)
    return es

def summary(res:dict) -> dict:
    "What the sweep keeps of one results.json: sizes, seconds, cost ratios and realism per method."
    mse = lambda m: res['models'][m]['metrics']['retain_test']['mse']
    methods = [m for m in res['cost_ratio'] if m not in ('original', 'retrain') and not m.startswith('retrain_')]
    real = res.get('realism', {}).get('forget_test', {})
    per = {m: dict(cost_ratio=res['cost_ratio'][m], realism_ratio=real.get(m, {}).get('realism_ratio'),
                   ks_p=real.get(m, {}).get('forget_quality'), retain_vs_oracle=mse(m) / mse('retrain'))
           for m in methods}
    cert = res['models'].get('decouple', {}).get('certificate', {}).get('measured', {})
    conv = {m: {k: v for k, v in c.items() if k != 'heldout_loss'} for m, c in res.get('convergence', {}).items()}
    return dict(data=res['data'], seconds={m: v['seconds'] for m, v in res['models'].items()}, methods=per,
                epochs=res['config']['epochs'], lr=res['config'].get('lr'), device=res['config'].get('device'),
                convergence=conv,
                decouple_route=cert.get('route', {}).get('route'),
                decouple_steps=dict(ascent=cert.get('ascent_steps'), retention=cert.get('retention_steps')))

def one_size(n:int, epochs:int|None, args, extra:list, out:Path) -> dict:
    "Run the main job at `n` images per class in a fresh process; its row of scaling.json."
    cli = os.environ.get('I2I_UNLEARN_CLI', 'i2i-unlearn').split()
    cmd = [*cli, 'run', '--dataset', 'fashion-mnist', '--max-per-class', str(n), '--device', args.device,
           '--out', str(out / f'n{n}'), *(['--epochs', str(epochs)] if epochs else []), *extra]
    env = dict(os.environ, **({'OMP_NUM_THREADS': '1'} if args.jobs > 1 else {}))
    t0 = time.perf_counter()
    rc = subprocess.run(cmd, env=env).returncode
    row = dict(per_class=n, command=cmd, exit_code=rc, wall_seconds=time.perf_counter() - t0, processes=args.jobs)
    if rc == 0: row.update(summary(json.loads((out / f'n{n}' / 'results.json').read_text())))
    print(f"scaling: {n} per class: exit {rc}, {row['wall_seconds']:.0f} s", file=sys.stderr)
    return row

def collected(n:int, runs:Path) -> dict:
    "The row of size `n` from an earlier sweep's folder `runs` (its run's own config; no wall time)."
    res = runs / f'n{n}' / 'results.json'
    if not res.exists(): return dict(per_class=n, exit_code=None, finished=False, collected_from=str(runs / f'n{n}'))
    return dict(per_class=n, exit_code=0, finished=True, collected_from=str(runs / f'n{n}'),
                **summary(json.loads(res.read_text())))

def main(argv:list) -> int:
    args, extra = parse(argv)
    ns, out = sizes(args.sizes), Path(args.out)
    es = epochs_per_size(args.epochs, ns)
    if args.jobs < 1:
        print(f"scaling: error: --jobs must be a positive integer, got {args.jobs}", file=sys.stderr)
        return 2
    if out.exists() and any(out.iterdir()):
        print(f"scaling: error: {out} is not empty; valid: a new or empty folder", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    if args.collect:
        rows = [collected(n, Path(args.collect)) for n in ns]
        (out / 'scaling.json').write_text(json.dumps(dict(sizes=rows), indent=1))
        return 0
    rows = {}
    order = sorted(range(len(ns)), key=lambda i: -ns[i])  # largest first, so the pool ends together
    with ThreadPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(one_size, ns[i], es[i], args, extra, out): i for i in order}
        for f in as_completed(futures):
            rows[futures[f]] = f.result()
            done = [rows[j] for j in sorted(rows)]
            (out / 'scaling.json').write_text(json.dumps(dict(sizes=done), indent=1))
    return next((r['exit_code'] for r in rows.values() if r['exit_code']), 0)

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
