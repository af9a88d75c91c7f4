"Run every chapter of the book through nbdev_test, one pytest case per notebook."
import os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p.name for p in (ROOT / 'nbs').glob('*.ipynb') if not p.name.startswith(('_', '.')))
NBDEV_TEST = str(Path(sys.executable).with_name('nbdev_test'))

def test_there_are_chapters():
    assert 'index.ipynb' in NOTEBOOKS and '00_core.ipynb' in NOTEBOOKS

@pytest.mark.parametrize('notebook', NOTEBOOKS)
def test_notebook(notebook):
    env = dict(os.environ, IN_TEST='1', OMP_NUM_THREADS=os.environ.get('OMP_NUM_THREADS', '1'))  # one thread: no oversubscription on small CPUs
    r = subprocess.run([NBDEV_TEST, '--path', f'nbs/{notebook}'], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=1500)
    assert r.returncode == 0, f'{notebook} failed under nbdev_test:\n{r.stdout[-6000:]}\n{r.stderr[-6000:]}'
