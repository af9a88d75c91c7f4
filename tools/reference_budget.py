#!/usr/bin/env python
"""How long must a reference model train to be converged? The issue-15 plateau test per recipe and seed, as a book artifact.

Usage: python tools/reference_budget.py --recipes 100:8e-3 --seeds 0,1,2 [--models original,retrain,retrain_2]
       [--bench class|canary] [--jobs 2] [--keep DIR] [--out nbs/results/reference_budget_cpu.json]
Each (recipe EPOCHS:LR, seed, model) trains exactly the reference `i2i-unlearn run --epochs E --lr LR --seed S` trains
(`train_original`, `run_method('retrain')` for oracle 1, `run_oracle(1)` for oracle 2) on a benchmark (class: the default
data, forget class 0; canary: `--dataset fashion-canaries --forget-classes 10`, memorised photo crops), in its
own process with one torch thread, and records its held-out curve, `plateau_test`, retain-test and forget-test MSE
and seconds (contended when --jobs > 1). The models stay in DIR/eE_lrLR/seed_S, the layout of `run --seeds`, so
`i2i-unlearn run --seeds 3 --epochs E --lr LR --out DIR/eE_lrLR --resume` reuses them and runs only the methods.
The chapter renders the artifact next to the 50-epoch references of the seeds artifacts.
"""
import concurrent.futures as cf, json, multiprocessing as mp, sys, tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from artifact import OneLineParser, provenance, write

MODELS = ('original', 'retrain', 'retrain_2')
BENCHES = {'class': {}, 'canary': dict(dataset='fashion-canaries', forget_classes=(10,))}  # their RunConfig options

def train_one(epochs:int, lr:float, seed:int, name:str, keep:str, bench:str='class') -> dict:
    "Train one reference as `run` does; its curve, plateau test, test losses and seconds."
    import torch  # here, so that bad arguments are refused before torch loads
    torch.set_num_threads(1)
    from i2i_unlearn.core import RunConfig
    from i2i_unlearn.models import build_model
    from i2i_unlearn.train import mean_loss
    from i2i_unlearn import experiments as ex
    out = Path(keep) / f'e{epochs}_lr{lr:g}' / f'seed_{seed}'
    out.mkdir(parents=True, exist_ok=True)
    cfg = RunConfig(epochs=epochs, lr=lr, seed=seed, out=str(out), **BENCHES[bench])
    _, splits, task = ex.load_run_data(cfg)
    if name == 'original': model, secs = ex.train_original(cfg, splits, task, out, False, 'cpu')
    elif name == 'retrain':
        model, secs, _ = ex.run_method('retrain', build_model(cfg.model, cfg.image_size), splits, task, cfg, out, False, 'cpu')
    else: model, secs = ex.run_oracle(1, build_model(cfg.model, cfg.image_size), splits, task, cfg, out, False, 'cpu')
    curve = json.loads((out / 'curves' / f'{name}.json').read_text())['heldout_loss']
    return dict(bench=bench, epochs=epochs, lr=lr, seed=seed, model=name, heldout_loss=curve, plateau=ex.plateau_test(curve),
                retain_test_mse=mean_loss(model, splits.retain_test.x, task), seconds=secs,
                forget_test_mse=mean_loss(model, splits.forget_test.x, task))

def recipes(text:str) -> list:
    "'100:8e-3,50:2e-3' -> [(100, 0.008), (50, 0.002)]; ValueError on anything else."
    out = [(int(e), float(l)) for e, l in (r.split(':') for r in text.split(','))]
    if any(e < 1 or not 0 < l < 1 for e, l in out): raise ValueError(text)
    return out

def main(argv:list) -> int:
    p = OneLineParser(prog='reference_budget', description=__doc__.strip().splitlines()[0])
    p.add_argument('--recipes', default='100:8e-3', help="comma-separated EPOCHS:LR, e.g. 100:8e-3,50:2e-3")
    p.add_argument('--seeds', default='0,1,2', help="comma-separated seeds")
    p.add_argument('--models', default='original,retrain,retrain_2', help=f"comma-separated, from {', '.join(MODELS)}")
    p.add_argument('--bench', choices=tuple(BENCHES), default='class', help="class (default data, class 0) or canary")
    p.add_argument('--jobs', type=int, default=2, help="models trained at once, one torch thread each")
    p.add_argument('--keep', default=None, help="folder for the trained models (default: a temporary one)")
    p.add_argument('--out', default='nbs/results/reference_budget_cpu.json')
    a = p.parse_args(argv)
    try: rs, seeds = recipes(a.recipes), [int(s) for s in a.seeds.split(',')]
    except ValueError: print("reference_budget: error: --recipes is EPOCHS:LR,... (epochs >= 1, 0 < lr < 1); --seeds integers", file=sys.stderr); return 2
    names = a.models.split(',')
    if not set(names) <= set(MODELS) or a.jobs < 1:
        print(f"reference_budget: error: --models from {', '.join(MODELS)}; --jobs a positive integer", file=sys.stderr); return 2
    if len(set(names)) < len(names) or len(set(seeds)) < len(seeds) or len(set(rs)) < len(rs):
        print("reference_budget: error: --recipes, --seeds and --models must not repeat a value", file=sys.stderr); return 2
    if not Path(a.out).parent.is_dir():
        print(f"reference_budget: error: --out's folder {Path(a.out).parent} does not exist", file=sys.stderr); return 2
    made = provenance(['python', 'tools/reference_budget.py', *argv], f", {a.jobs} models at once, one torch thread each")
    keep = a.keep or tempfile.mkdtemp(prefix='reference_budget_')
    print(f"reference_budget: models go to {keep}", file=sys.stderr)
    jobs = [(e, l, s, n) for e, l in rs for s in seeds for n in names]  # seed by seed
    with cf.ProcessPoolExecutor(a.jobs, mp_context=mp.get_context('spawn')) as pool:
        rows = list(pool.map(train_one, *zip(*jobs), [keep] * len(jobs), [a.bench] * len(jobs)))
    write(a.out, made | dict(result=dict(rows=rows)))
    return 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
