"The diffusion model through the command line and through safetensors, at the smallest size."
import json

import torch

from i2i_unlearn import core, models
from i2i_unlearn.data import Task, load
from i2i_unlearn.experiments import model_kwargs
from i2i_unlearn.train import train_model


def _tree(root, classes=3, per_class=12, size=16):
    "A small ImageFolder tree of seeded noise images."
    import numpy as np
    from PIL import Image
    for c in range(classes):
        d = root / f'class{c}'
        d.mkdir(parents=True)
        for i in range(per_class):
            g = np.random.default_rng(100 * c + i)
            pixels = np.clip(40 * c + g.normal(100, 30, (size, size, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(d / f'{i:03d}.png')
    return root


def test_run_quick_diffusion_end_to_end(tmp_path, monkeypatch):
    "`run --quick --model diffusion` through the command line: the original, the oracle, two methods, every metric."
    monkeypatch.setenv('I2I_UNLEARN_CACHE', str(tmp_path / 'cache'))
    from i2i_unlearn.cli import main
    out = tmp_path / 'out'
    tree = _tree(tmp_path / 'tree')
    code = main(['run', '--quick', '--dataset', 'folder', '--data-root', str(tree), '--forget-classes', '0',
                 '--model', 'diffusion', '--task', 'inpaint', '--image-size', '16', '--methods', 'li2024,noisy_label',
                 '--out', str(out), '--device', 'cpu'])
    assert code == 0
    res = json.loads((out / 'results.json').read_text())
    assert set(res['models']) == {'original', 'retrain', 'li2024', 'noisy_label'}
    assert res['config']['model'] == 'diffusion' and res['config']['task'] == 'inpaint'
    assert 0 <= res['models']['retrain']['metrics']['retain_test']['mse'] <= 1
    assert set(res['realism']['forget_test']) == set(res['models'])


def test_quick_diffusion_is_built_for_the_task():
    kw = model_kwargs(core.RunConfig(model='diffusion', task='outpaint', mask_ratio=0.25, quick=True))
    m = models.build_model('diffusion', 16, **kw)
    assert (m.task.name, m.task.ratio) == ('outpaint', 0.25)
    assert model_kwargs(core.RunConfig(model='unet', task='outpaint')) == {}


def test_saved_diffusion_model_reloads_to_identical_samples(tmp_path):
    core.seed_everything(0)
    x = load('fashion-mnist-10k', image_size=16).images[:64]
    m = models.build_model('diffusion', 16, task='inpaint')
    train_model(m, x, Task('inpaint'), epochs=1, batch_size=32)
    core.save_checkpoint(tmp_path / 'd.safetensors', m.state_dict())
    again = models.build_model('diffusion', 16, task='inpaint', weights=tmp_path / 'd.safetensors')
    x_in = Task('inpaint')(x[:8])[0]
    with torch.no_grad(): assert torch.equal(again.eval()(x_in), m.eval()(x_in))
