#!/usr/bin/env python
"""Certified vs uncertified decouple at full size: the artifact nbs/results/certified_tradeoff.json.

Runs the default main job with `--methods decouple --certify 1,1e-5` into --out (reusing its models
with --resume), then `experiments.certified_tradeoff` (a second retrained model, uncertified decouple,
certified decouple at epsilon 0.5..8), and writes the JSON with the command, commit, machine and date.
Usage: python tools/certified_tradeoff.py --out runs/certify [--quick] [--seed 0] [--artifact PATH]
"""
import argparse, sys
from pathlib import Path

from i2i_unlearn.core import RunConfig, UserError, write_json
from i2i_unlearn.experiments import certified_tradeoff, run_experiment
sys.path.insert(0, str(Path(__file__).parent))
from artifact import provenance

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out', required=True, help='run folder (models are cached there; reused when it exists)')
    p.add_argument('--quick', action='store_true', help='tiny sizes for a smoke test')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--artifact', default='nbs/results/certified_tradeoff.json', help='where the JSON goes')
    a = p.parse_args(argv)
    made = provenance(['python', 'tools/certified_tradeoff.py', *(argv if argv is not None else sys.argv[1:])])
    try:
        cfg = RunConfig(out=a.out, quick=a.quick, seed=a.seed, methods=('decouple',), certify='1,1e-5', device='cpu')
        run = run_experiment(cfg, resume=Path(a.out).exists(), say=lambda m: print(m, file=sys.stderr))
        tr = certified_tradeoff(run, cfg)
    except UserError as e:
        print(f"certified_tradeoff: error: {e}", file=sys.stderr)
        return 2
    rec = made | dict(seed=a.seed,
               run_results={k: run.results['models'][k]['metrics']['retain_test']['mse'] for k in run.results['models']},
               decouple_certificate=run.results['models']['decouple'].get('certificate'), tradeoff=tr)
    write_json(a.artifact, rec)
    print(f"wrote {a.artifact}", file=sys.stderr)
    return 0

if __name__ == '__main__': sys.exit(main())
