#!/usr/bin/env python
"""What decouple's decoupling step does before retention, per saliency score and pruned share, as a book artifact.

Usage: python tools/saliency_ladder.py --refs BENCH:DIR[,BENCH:DIR...] [--fracs 0.001,0.0025,0.005,0.01,0.02,0.05]
       [--out nbs/results/saliency_ladder_cpu.json]
BENCH is class (default data, forget class 0) or canary (fashion-canaries, forget class 10); DIR is a reference folder
of `tools/reference_budget.py --bench BENCH` (its seed_S folder, holding original.safetensors and, when trained,
retrain.safetensors and retrain_2.safetensors). For each, the tool records decouple's levels (`decouple_levels`), the
mean losses of the references on forget-train, forget-test and retain-val, and for each score ('fisher', 'ratio') and
share the same losses of the original after `prune_salient` alone (no retention). One torch thread; seed 0.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from artifact import OneLineParser, provenance, write
from reference_budget import BENCHES

SPLITS = ('forget_train', 'forget_test', 'retain_val')

def parse_refs(text:str) -> list:
    "'class:DIR,canary:DIR' -> [('class', Path(DIR)), ...]; ValueError naming what is wrong."
    out = []
    for item in text.split(','):
        bench, sep, d = item.partition(':')
        if not sep or bench not in BENCHES: raise ValueError(f"--refs is BENCH:DIR,... with BENCH in {', '.join(BENCHES)}")
        if not (Path(d) / 'original.safetensors').is_file(): raise ValueError(f"--refs: {d} holds no original.safetensors")
        if not Path(d).name.startswith('seed_'): raise ValueError(f"--refs: {d} is not a seed_S folder")
        out.append((bench, Path(d)))
    return out

def reference_model(d:Path, name:str):
    "The reference `name` of folder `d`: run's default model and size (conv_ae, 32), in eval mode."
    from safetensors.torch import load_file
    from i2i_unlearn.models import build_model
    m = build_model('conv_ae', 32)
    m.load_state_dict(load_file(d / f'{name}.safetensors'))
    return m.eval()

def ladder(bench:str, d:Path, fracs:list) -> dict:
    "Levels, reference losses and the pruned original's losses per score and share, for one reference folder."
    import copy, torch
    from i2i_unlearn.core import RunConfig
    from i2i_unlearn.experiments import load_run_data
    from i2i_unlearn.train import eval_losses
    from i2i_unlearn.unlearn import decouple_levels, prune_salient, Level, Saliency, SALIENCY_SCORES
    torch.set_num_threads(1)
    seed = int(d.name.removeprefix('seed_'))
    _, sp, task = load_run_data(RunConfig(seed=seed, **BENCHES[bench]))  # the splits the references trained on
    get = lambda name: reference_model(d, name)
    losses = lambda m: {s: float(eval_losses(m, getattr(sp, s).x, task).mean()) for s in SPLITS}
    names = [n for n in ('original', 'retrain', 'retrain_2') if (d / f'{n}.safetensors').is_file()]
    orig = get('original')
    levels = {k: v for k, v in decouple_levels(orig, sp, task, Level(), seed=0).items() if k != 'how'}
    rows = []
    for score in SALIENCY_SCORES:
        for frac in fracs:
            m = copy.deepcopy(orig)
            rec = prune_salient(m, sp, task, Saliency(frac=frac, score=score), seed=0)
            rows.append(dict(score=score, frac=frac, pruned=rec['pruned'], **losses(m)))
    return dict(bench=bench, seed=seed, folder=str(d), levels=levels, references={n: losses(get(n)) for n in names},
                pruned=rows)

def parse_fracs(text:str) -> list:
    "'0.001,0.01' -> [0.001, 0.01]; ValueError unless every value is a number in (0, 1)."
    try: out = [float(f) for f in text.split(',')]
    except ValueError: out = []
    if not out or not all(0 < f < 1 for f in out): raise ValueError("--fracs are shares in (0, 1), e.g. 0.001,0.01")
    return out

def main(argv:list) -> int:
    p = OneLineParser(prog='saliency_ladder', description=__doc__.strip().splitlines()[0])
    p.add_argument('--refs', required=True, help="BENCH:DIR,... (BENCH class or canary; DIR a seed_S reference folder)")
    p.add_argument('--fracs', default='0.001,0.0025,0.005,0.01,0.02,0.05', help="comma-separated shares in (0, 1)")
    p.add_argument('--out', default='nbs/results/saliency_ladder_cpu.json')
    a = p.parse_args(argv)
    try: refs, fracs = parse_refs(a.refs), parse_fracs(a.fracs)
    except ValueError as e: print(f"saliency_ladder: error: {e}", file=sys.stderr); return 2
    if not Path(a.out).parent.is_dir():
        print(f"saliency_ladder: error: --out's folder {Path(a.out).parent} does not exist", file=sys.stderr); return 2
    made = provenance(['python', 'tools/saliency_ladder.py', *argv], ', one torch thread')
    write(a.out, made | dict(result=dict(fracs=fracs, rows=[ladder(b, d, fracs) for b, d in refs])))
    return 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
