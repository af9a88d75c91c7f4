"""Session-12 diagnostic (issue 15): what saliency pruning does before retention, per pruned fraction, on converged
references (reference_budget.py's seed_S folders). Usage: python tools/research/ladder.py REFS_DIR class|canary
Prints decouple's levels (lam, base, target, cap), the losses of original / oracle 1 / oracle 2 on forget-train,
forget-test and retain-val, and per fraction the pruned model's forget-train and retain-val loss. Writes
REFS_DIR/ladder.json. Not part of the book."""
import copy, json, sys, torch
from pathlib import Path
from safetensors.torch import load_file
from i2i_unlearn.data import load, make_splits, Task
from i2i_unlearn.models import build_model
from i2i_unlearn.train import eval_losses
from i2i_unlearn.unlearn import decouple_levels, prune_salient, Level, Saliency

torch.set_num_threads(1)
refs, bench = Path(sys.argv[1]), sys.argv[2]
data, fc = ('fashion-canaries', 10) if bench == 'canary' else ('fashion-mnist-10k', 0)
sp = make_splits(load(data, 32), forget_classes=(fc,), seed=int(refs.name.removeprefix('seed_')))
task = Task('recon', 0.375)

def get(n):
    m = build_model('conv_ae', 32)
    m.load_state_dict(load_file(refs / f'{n}.safetensors'))
    return m.eval()

def losses(m):
    q = lambda x: eval_losses(m, x, task)
    return {k: dict(mean=float(v.mean()), median=float(v.median())) for k, v in
            dict(forget_train=q(sp.forget_train.x), forget_test=q(sp.forget_test.x), retain_val=q(sp.retain_val.x)).items()}

out = dict(bench=bench, refs=str(refs), models={n: losses(get(n)) for n in ('original', 'retrain', 'retrain_2')
                                               if (refs / f'{n}.safetensors').exists()})
orig = get('original')
out['levels'] = {k: v for k, v in decouple_levels(orig, sp, task, Level()).items() if k != 'how'}
out['ladder'] = {}
for frac in (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05):
    m = copy.deepcopy(orig)
    rec = prune_salient(m, sp, task, Saliency(frac=frac), seed=0)
    out['ladder'][frac] = losses(m) | dict(pruned=rec['pruned'])
# selection by the ratio of forget to retain Fisher (SSD's score, Foster et al. 2024): weights specific to the forget set
sys.path.insert(0, str(Path(__file__).parent))
import variants
out['ratio_ladder'] = {}
for frac in (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05):
    out['ratio_ladder'][frac] = losses(variants.reset_salient(orig, sp, task, frac, score='ratio', how='zero'))
for alpha in (10., 3.):
    out['ratio_ladder'][f'ssd{alpha:g}'] = losses(variants.ssd(orig, sp, task, alpha))
print(json.dumps(out, indent=1))
(refs / 'ladder.json').write_text(json.dumps(out, indent=1))
