"""Session-8 measurement (issue 15): decouple's retention step size on the class and canary benchmarks.
Needs the 40-epoch references of train_reference.py / train_reference_ds.py in /tmp/exp (original seed 0, oracles
seeds 0 and 1), or a run folder with original/retrain/retrain_2.safetensors (REFS_DIR, e.g. runs/default of the
default `i2i-unlearn run`). Usage: python tools/research/retention_schedule.py METHOD_SEED [DATASET] [V1,V2,...]
[REFS_DIR]
DATASET: fashion-mnist-10k (class 0, default) or fashion-canaries (class 10). Variants: those of variants.V6, e.g.
decouple_const1e3 (the default), d2e3, d3e3, dcos2e3, dcos3e3, dcos4e3 (constant or cosine step sizes). Prints per model
the forget-test realism ratio, forget quality (KS p) and retain-test MSE over oracle 1's; writes
/tmp/exp/rs_DATASET_msSEED_VARIANTS.json. The audit side: audit_variants.py with the same variant names.
Not part of the book: its numbers are in the session-8 note, not in a chapter."""
import sys, time, json, os, torch
sys.path.insert(0, os.path.dirname(__file__))
from safetensors.torch import load_file
from i2i_unlearn.core import seed_everything
from i2i_unlearn.data import load, make_splits, Task
from i2i_unlearn.models import build_model
import variants

torch.set_num_threads(1)
MS = int(sys.argv[1])
DS = sys.argv[2] if len(sys.argv) > 2 else 'fashion-mnist-10k'
names = sys.argv[3].split(',') if len(sys.argv) > 3 else ['decouple_const1e3', 'dcos4e3']
fc = 10 if DS == 'fashion-canaries' else 0
ds = load(DS, 32)
sp = make_splits(ds, forget_classes=(fc,), seed=0)
task = Task('recon', 0.375)

def get(p):
    m = build_model('conv_ae', 32)
    m.load_state_dict(load_file(p))
    return m

if DS == 'fashion-mnist-10k': P = lambda w, s: f'/tmp/exp/{w}_E40_lr0.002_s{s}.safetensors'
else: P = lambda w, s: f'/tmp/exp/{DS}_{w}_E40_s{s}.safetensors'
if len(sys.argv) > 4: models = {n: get(f'{sys.argv[4]}/{n}.safetensors') for n in ('original', 'retrain', 'retrain_2')}
else: models = dict(original=get(P('orig', 0)), retrain=get(P('oracle', 0)), retrain_2=get(P('oracle', 1)))
secs = {}
for n in names:
    seed_everything(MS)
    t = time.time()
    models[n] = variants.V6(sp, task, MS)[n](models['original'])
    secs[n] = time.time() - t
out = variants.report(models, sp, task, secs, f'{DS} ms{MS}')
with open(f'/tmp/exp/rs_{DS}_ms{MS}_{"_".join(names)}.json', 'w') as f: json.dump(out, f, indent=1)
