"The wheel: `python -m build`, its contents, a fresh venv, and the CLI run from outside the repo (tools/test_wheel.py)."
import subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_installs_in_a_fresh_venv_and_the_cli_runs(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / 'tools' / 'test_wheel.py'), str(tmp_path)], capture_output=True, text=True, timeout=1500)
    print(r.stdout)
    assert r.returncode == 0, f'{r.stdout[-4000:]}\n{r.stderr[-4000:]}'
    assert 'test_wheel: passed' in r.stdout and 'embedded data (10000 images)' in r.stdout
