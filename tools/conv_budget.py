#!/usr/bin/env python
"""The scale chapter's layer-by-layer time budget at full size, as a book artifact.

Usage: python tools/conv_budget.py [--threads N] [--out nbs/results/conv_budget_cpu.json]
For each layout (NCHW, channels_last): one eager training step's time (`train_throughput`, batch 128,
2,048 images), every convolution timed on its own (`conv_layer_rates`, ten passes), and `time_budget`
against a 1024 x 1024 matrix product (`matmul_gflops`). The chapter renders it with `budget_table`.
"""
import argparse, sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from artifact import provenance, write

def layout(channels_last:bool) -> dict:
    "Rows and budget for one memory layout (`scale.layer_budget` at full size)."
    from i2i_unlearn.data import Task, load
    from i2i_unlearn.scale import layer_budget
    return layer_budget(load('fashion-mnist-10k').images, Task('recon'), channels_last=channels_last)

def main(argv:list) -> int:
    p = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    p.add_argument('--threads', type=int, default=torch.get_num_threads())
    p.add_argument('--out', default='nbs/results/conv_budget_cpu.json')
    a = p.parse_args(argv)
    if a.threads < 1: print("conv_budget: error: --threads must be a positive integer", file=sys.stderr); return 2
    torch.set_num_threads(a.threads)
    made = provenance(['python', 'tools/conv_budget.py', *argv])
    res = {name: layout(cl) for name, cl in (('NCHW', False), ('channels_last', True))}
    write(a.out, made | dict(result=res))
    return 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
