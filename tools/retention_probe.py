#!/usr/bin/env python
"""decouple's retention options at method seeds 0-2 on one finished run folder: what would close a retain-quality gap.

Usage (from the repository root): python tools/retention_probe.py RUN_DIR --out JSON [SPEC ...]
RUN_DIR is the --out folder of `i2i-unlearn run`: config.json, original.safetensors, retrain.safetensors, and
retrain_2.safetensors where the run trained two oracles. SPEC is a method spec as `--methods` takes it (default:
decouple and decouple:retention.schedule=cosine). Per spec and seed 0, 1, 2 it unlearns the saved original and scores,
on the run's own splits: seconds (the whole `unlearn` call, certificate included), route, retention steps and the
step size each round used (`unlearn.retention_lr`: `retention.lr` is scaled below one epoch of D_r unless the spec
adds retention.lr_scaling=none),
retain-test MSE over oracle 1's, and on forget-test the realism ratio (None with one oracle) and forget quality (the
KS p-value of per-sample losses against oracle 1). The original's retain-test MSE over the oracle's is kept once: the
level retention starts from. Writes JSON = {command, commit, uncommitted_changes, machine, date, result}; the scale
chapter renders nbs/results/retention_probe_e100_cpu.json (the full set's 100-epoch folder).
"""
import json, sys, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from artifact import OneLineParser, provenance, write
from decouple_cost import check_folder, folder_model, run_config


def probe(d:Path, specs:list) -> dict:
    "Every spec at seeds 0-2 on the folder's original, scored against its oracles."
    from i2i_unlearn.core import parse_method
    from i2i_unlearn.experiments import load_run_data
    from i2i_unlearn.metrics import realism
    from i2i_unlearn.train import mean_loss
    from i2i_unlearn.unlearn import METHODS, unlearn
    cfg = run_config(d)
    _, sp, task = load_run_data(cfg)
    refs = {n: folder_model(d, cfg, n) for n in ('original', 'retrain', 'retrain_2') if (d / f'{n}.safetensors').is_file()}
    oracles = [n for n in ('retrain', 'retrain_2') if n in refs]
    oracle_retain = mean_loss(refs['retrain'], sp.retain_test.x, task)
    out = dict(folder=str(d), oracles=oracles, rows=[],
               original_retain_over_oracle=mean_loss(refs['original'], sp.retain_test.x, task) / oracle_retain)
    for spec in specs:
        name, opts = parse_method(spec, METHODS)
        for s in range(3):
            t = time.perf_counter()
            r = unlearn(refs['original'], sp, name, task, seed=s, **opts)
            secs = time.perf_counter() - t
            rl = realism(dict(refs, u=r.model), oracles, sp.forget_test.x, task)['u']
            c = r.certificate['measured'] if r.certificate else {}
            out['rows'].append(dict(spec=spec, seed=s, seconds=secs, route=(c.get('route') or {}).get('route'),
                                    retention_steps=c.get('retention_steps'), retention_lr=c.get('retention_lr'),
                                    retain_over_oracle=mean_loss(r.model, sp.retain_test.x, task) / oracle_retain,
                                    realism_ratio=rl['realism_ratio'], ks_p=rl['forget_quality']))
            print(out['rows'][-1], flush=True)
    return out


def main(argv:list) -> int:
    import argparse
    p = OneLineParser(prog='retention_probe', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('folder', help="an `i2i-unlearn run` --out folder with original and retrain .safetensors")
    p.add_argument('specs', nargs='*', default=['decouple', 'decouple:retention.schedule=cosine'],
                   help="method specs, e.g. 'decouple:retention.lr=0.0005;retention.lr_scaling=none'")
    p.add_argument('--out', required=True, help="the JSON to write")
    p.add_argument('--threads', type=int, default=2, help="torch threads")
    a = p.parse_args(argv)
    from i2i_unlearn.core import parse_method  # a bad spec is a UserError, a ValueError
    from i2i_unlearn.unlearn import METHODS
    try:
        d = Path(a.folder)
        check_folder(d)
        if not (d / 'retrain.safetensors').is_file(): raise ValueError(f"{d} has no retrain.safetensors (the oracle)")
        run_config(d)  # a config.json the package cannot read fails here, before any work
        for s in a.specs: parse_method(s, METHODS)
        if len(set(a.specs)) < len(a.specs): raise ValueError("a spec is given twice; give each once")
        if a.threads < 1: raise ValueError("--threads must be a positive integer")
        if Path(a.out).is_dir() or not Path(a.out).parent.is_dir():
            raise ValueError(f"--out must be a file in an existing folder, got {a.out}")
    except (ValueError, TypeError, KeyError, OSError) as e: print(f"retention_probe: error: {e}", file=sys.stderr); return 2
    import torch
    torch.set_num_threads(a.threads)
    made = provenance(['python', 'tools/retention_probe.py', *argv])
    write(a.out, made | dict(result=probe(d, a.specs)))
    return 0


if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
