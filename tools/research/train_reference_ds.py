"""Session-6 (issue 15): train a reference (orig|oracle) on data set DS without class FC (oracle), E epochs.
Usage: python tools/research/train_reference_ds.py DS FC E SEED orig|oracle THREADS; saves /tmp/exp/{DS}_{which}_E{E}_s{seed}.safetensors"""
import sys, time, json, torch
from i2i_unlearn.core import seed_everything
from i2i_unlearn.data import Task, load, make_splits
from i2i_unlearn.models import build_model
from i2i_unlearn.train import train_model, eval_losses
from safetensors.torch import save_file
torch.set_num_threads(int(sys.argv[6]) if len(sys.argv) > 6 else 2)
DS, fc, E, seed, which = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
ds = load(DS, 32); sp = make_splits(ds, forget_classes=(fc,), seed=0); task = Task('recon', 0.375)
x = sp.train.x if which == 'orig' else sp.retain_train.x
seed_everything(seed); m = build_model('conv_ae', 32); t = time.time()
log = train_model(m, x, task, epochs=E, lr=2e-3, seed=seed, desc=which)
print(json.dumps(dict(DS=DS, E=E, seed=seed, which=which, secs=time.time()-t, n=len(x),
  rt=float(eval_losses(m, sp.retain_test.x, task).mean()), ft=float(eval_losses(m, sp.forget_test.x, task).mean()),
  ftr=float(eval_losses(m, sp.forget_train.x, task).mean()))))
save_file(m.state_dict(), f'/tmp/exp/{DS}_{which}_E{E}_s{seed}.safetensors')
