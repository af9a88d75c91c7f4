#!/usr/bin/env python
"""Cost of unlearning versus retraining as the data grows: the full main job at several training-set sizes.

Usage: python tools/scaling.py --sizes 700,1500,3000,6000 --out DIR [--device cuda] [--epochs 50] [-- more run flags]
Runs `i2i-unlearn run --dataset fashion-mnist --max-per-class N` (the first N images of each of the 10
Fashion-MNIST classes; the Debian package dataset-fashion-mnist or --data-root) once per size, each
into DIR/nN, one after the other in fresh processes, and writes DIR/scaling.json: per size, the
training-set size |D|, every model's seconds, every method's cost ratio (its seconds over
retraining's), and the realism numbers of issue 15 for every method (realism ratio and KS p on the
forget test split, retain-test MSE over the oracle's). Issue 19's acceptance reads this file.
A size whose run fails is recorded with its exit code (and the sweep goes on); nothing is faked.
"""
import argparse, json, os, subprocess, sys, time
from pathlib import Path

def parse(argv:list) -> tuple:
    "Options, and the extra `run` flags after `--`."
    extra = argv[argv.index('--') + 1:] if '--' in argv else []
    argv = argv[:argv.index('--')] if '--' in argv else argv
    p = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    p.add_argument('--sizes', default='700,1500,3000,6000', help='images per class, comma-separated')
    p.add_argument('--out', required=True, help='a new (or empty) folder')
    p.add_argument('--device', default='auto')
    p.add_argument('--epochs', type=int, default=None, help="training epochs (default: run's default)")
    return p.parse_args(argv), extra

def sizes(text:str) -> list:
    "The per-class sizes, or exit 2 naming what is valid."
    try: ns = [int(s) for s in text.split(',')]
    except ValueError: ns = [0]
    if not ns or min(ns) < 1:
        print(f"scaling: error: --sizes must be positive integers separated by commas, got {text!r}", file=sys.stderr)
        sys.exit(2)
    return ns

def summary(res:dict) -> dict:
    "What the sweep keeps of one results.json: sizes, seconds, cost ratios and realism per method."
    mse = lambda m: res['models'][m]['metrics']['retain_test']['mse']
    methods = [m for m in res['cost_ratio'] if m not in ('original', 'retrain') and not m.startswith('retrain_')]
    real = res.get('realism', {}).get('forget_test', {})
    per = {m: dict(cost_ratio=res['cost_ratio'][m], realism_ratio=real.get(m, {}).get('realism_ratio'),
                   ks_p=real.get(m, {}).get('forget_quality'), retain_vs_oracle=mse(m) / mse('retrain'))
           for m in methods}
    return dict(data=res['data'], seconds={m: v['seconds'] for m, v in res['models'].items()}, methods=per,
                epochs=res['config']['epochs'], device=res['config'].get('device'))

def main(argv:list) -> int:
    args, extra = parse(argv)
    ns, out = sizes(args.sizes), Path(args.out)
    if out.exists() and any(out.iterdir()):
        print(f"scaling: error: {out} is not empty; valid: a new or empty folder", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    cli = os.environ.get('I2I_UNLEARN_CLI', 'i2i-unlearn').split()
    rows, status = [], 0
    for n in ns:
        cmd = [*cli, 'run', '--dataset', 'fashion-mnist', '--max-per-class', str(n), '--device', args.device,
               '--out', str(out / f'n{n}'), *(['--epochs', str(args.epochs)] if args.epochs else []), *extra]
        t0 = time.perf_counter()
        rc = subprocess.run(cmd).returncode
        row = dict(per_class=n, command=cmd, exit_code=rc, wall_seconds=time.perf_counter() - t0)
        if rc == 0: row.update(summary(json.loads((out / f'n{n}' / 'results.json').read_text())))
        status = status or rc
        rows.append(row)
        (out / 'scaling.json').write_text(json.dumps(dict(sizes=rows), indent=1))
        print(f"scaling: {n} per class: exit {rc}, {row['wall_seconds']:.0f} s", file=sys.stderr)
    return status

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
