"""Session-10/11 measurement (issue 15): decouple's retention on references trained at lr 8e-3 (the run's seed_S folder
of `i2i-unlearn run --seeds 3 --lr 8e-3`). Usage: python tools/research/hot_refs.py REFS_DIR METHOD_SEED V1,V2,... [class|canary]
Prints per variant the forget-test realism ratio, forget quality (KS p), retain-test MSE over oracle 1's and seconds;
writes REFS_DIR/hot_ms{SEED}_{VARIANTS}.json. Not part of the book: its numbers are in the session-10 note."""
import copy, os, sys, time, json, torch
sys.path.insert(0, os.path.dirname(__file__))
from pathlib import Path
from safetensors.torch import load_file
from i2i_unlearn.core import seed_everything
from i2i_unlearn.data import load, make_splits, Task
from i2i_unlearn.models import build_model
from i2i_unlearn.unlearn import unlearn, decouple_levels, prune_salient, Level, Saliency
import variants

torch.set_num_threads(1)
refs, MS, names = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(',')
# the splits the references were trained on: run's split seed is the run's seed (REFS_DIR is its seed_S folder);
# session 10 used seed 0 for every folder, so its numbers for reference seeds 1 and 2 mixed splits
ref_seed = int(refs.name.removeprefix('seed_'))
bench = sys.argv[4] if len(sys.argv) > 4 else 'class'  # canary: reference_budget.py --bench canary's references
data, fc = ('fashion-canaries', 10) if bench == 'canary' else ('fashion-mnist-10k', 0)
sp = make_splits(load(data, 32), forget_classes=(fc,), seed=ref_seed)
task = Task('recon', 0.375)
U = lambda name, **kw: (lambda o: unlearn(o, sp, name, task, seed=MS, **kw).model)
LADDER = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05)

def adaptive_frac(o, level='target'):
    "Session 12: the smallest pruned share of the ladder whose pruned forget-train loss reaches decouple's level."
    lv = decouple_levels(o, sp, task, Level(), MS)
    for frac in LADDER:
        m = copy.deepcopy(o)
        if prune_salient(m, sp, task, Saliency(frac=frac), MS)['loss'] >= lv[level]: break
    print(f'adaptive ({level}): frac {frac} (before {lv["before"]:.5f}, base {lv["base"]:.5f}, target {lv["target"]:.5f})', flush=True)
    return frac
VARIANTS = {'decouple': U('decouple'), 'finetune': U('finetune'),
            'steps1200': U('decouple', retain_steps=1200), 'steps2400': U('decouple', retain_steps=2400), 'steps300': U('decouple', retain_steps=300),
            'cos1e3': U('decouple', retain_schedule='cosine'), 'lr5e4': U('decouple', lr_retain=5e-4),
            'wd1e4': U('decouple', **{'retention.weight_decay': 1e-4}),
            'frac2': U('decouple', **{'saliency.frac': 0.02}), 'frac1': U('decouple', **{'saliency.frac': 0.01}),
            'b128': U('decouple', retain_batch=128, retain_steps=150),
            'frac2_cos': U('decouple', retain_schedule='cosine', **{'saliency.frac': 0.02}),
            'wd1e4_cos': U('decouple', retain_schedule='cosine', **{'retention.weight_decay': 1e-4}),
            'r2e3': U('decouple', lr_retain=2e-3), 'r3e3': U('decouple', lr_retain=3e-3),
            'frac2_r2e3': U('decouple', lr_retain=2e-3, **{'saliency.frac': 0.02}),
            'frac2_r3e3': U('decouple', lr_retain=3e-3, **{'saliency.frac': 0.02}),
            'frac05': U('decouple', **{'saliency.frac': 0.005}), 'frac025': U('decouple', **{'saliency.frac': 0.0025}),
            'frac1_s1200': U('decouple', retain_steps=1200, **{'saliency.frac': 0.01}),
            'frac2_s1200': U('decouple', retain_steps=1200, **{'saliency.frac': 0.02}),
            # session 12: select by forget/retain Fisher ratio (SSD's score), zero, then decouple's retention
            **{f'ratio{f:g}': U('decouple', **{'saliency.score': 'ratio', 'saliency.frac': f})
               for f in (0.0005, 0.001, 0.0025, 0.005, 0.01)},  # the package's decouple:saliency.score=ratio
            **{f'ratio{f:g}_h': U('decouple', hinge=1., **{'saliency.score': 'ratio', 'saliency.frac': f})
               for f in (0.001, 0.0025, 0.01)},  # with the hinge: retention keeps forget losses at the pruned level
            'ssd10': lambda o: U('decouple', saliency=False)(variants.ssd(o, sp, task, 10.)),
            'retention': U('decouple', saliency=False),
            'adapt': lambda o: U('decouple', **{'saliency.frac': adaptive_frac(o)})(o),
            'adapt_base': lambda o: U('decouple', **{'saliency.frac': adaptive_frac(o, 'base')})(o)}

def get(p):
    m = build_model('conv_ae', 32)
    m.load_state_dict(load_file(p))
    return m

models = {n: get(refs / f'{n}.safetensors') for n in ('original', 'retrain', 'retrain_2')}
secs = {}
for n in names:
    seed_everything(MS)
    t = time.time()
    if n in VARIANTS: models[n] = VARIANTS[n](models['original'])
    else:  # session 13: any method spec, e.g. decouple:route.deep=2;retention.schedule=cosine
        from i2i_unlearn.core import parse_method
        from i2i_unlearn.unlearn import METHODS
        name, kw = parse_method(n, METHODS)
        models[n] = U(name, **kw)(models['original'])
    secs[n] = time.time() - t
out = variants.report(models, sp, task, secs, f'{bench} ms{MS}')
(refs / f'hot_{bench}_ms{MS}_{"_".join(names)}.json'.replace(':', '-').replace(';', '-')).write_text(json.dumps(out, indent=1))
