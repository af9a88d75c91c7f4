"""Session-5 measurement script (issue 15): train one reference model for E epochs at lr, record its held-out
(retain_val) curve, save it as /tmp/exp/{orig,oracle}_E{E}_lr{lr}_s{seed}.safetensors.
Usage: python tools/research/train_reference.py E LR SEED orig|oracle
Not part of the package or the book: its numbers are in the session-5 closing note only.
"""
import sys, time, json, torch
from i2i_unlearn.core import seed_everything
from i2i_unlearn.data import Task
from i2i_unlearn.data import load, make_splits
from i2i_unlearn.models import build_model
from i2i_unlearn.train import train_model, eval_losses
from safetensors.torch import save_file
torch.set_num_threads(1)
E, lr, seed, which = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ds = load('fashion-mnist-10k', 32)
sp = make_splits(ds, forget_classes=(0,), seed=0)
task = Task('recon', 0.375)
x = sp.train.x if which == 'orig' else sp.retain_train.x
seed_everything(seed)
m = build_model('conv_ae', 32)
curve = []
def on_epoch(e, mm): curve.append(float(eval_losses(mm, sp.retain_val.x, task).mean()))
t = time.time()
log = train_model(m, x, task, epochs=E, lr=lr, seed=seed, on_epoch=on_epoch, desc=which)
print(json.dumps(dict(E=E, lr=lr, seed=seed, which=which, secs=time.time()-t, curve=curve,
  rt=float(eval_losses(m, sp.retain_test.x, task).mean()), ft=float(eval_losses(m, sp.forget_test.x, task).mean()))))
save_file(m.state_dict(), f'/tmp/exp/{which}_E{E}_lr{lr}_s{seed}.safetensors')
