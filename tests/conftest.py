"""Shared fixtures. `executed_chapters`: every chapter of the book executed once per test run, in nbdev_test's
executor (tools/nb_to_book.py run-all, two chapters at a time). The notebook tests read its per-chapter status and
the book test renders its outputs, so no chapter runs twice. Both files are in the xdist group 'book', so under
`pytest -n 2 --dist loadgroup` they share one worker and this fixture runs once."""
import json, os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope='session')
def executed_chapters(tmp_path_factory):
    "(folder, status): the executed chapters and {chapter: {ok, seconds, error}} from `run-all`."
    out = tmp_path_factory.mktemp('executed')
    env = {**os.environ, 'IN_TEST': '1'}
    env.pop('BOOK_CHAPTERS', None)                 # the tests run every chapter
    cmd = [sys.executable, str(ROOT / 'tools' / 'nb_to_book.py'), 'run-all', str(out),
           '--jobs', os.environ.get('BOOK_JOBS', '2')]
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=5400)
    status_file = out / 'status.json'
    assert status_file.is_file(), f'run-all wrote no status:\n{r.stdout[-3000:]}\n{r.stderr[-6000:]}'
    print(r.stdout)
    return out, json.loads(status_file.read_text())


def pytest_configure(config):
    """`--dist loadgroup` keeps the book's and the torchrun files' fixtures on one worker. pytest 9.2 with
    pytest-xdist 3.8 silently stops grouping (pytest-xdist#1386): every worker would run them again, the chapters
    twice. Stop with a one-line reason instead (settings.ini pins pytest<9.2)."""
    from packaging.version import Version
    if config.pluginmanager.hasplugin('xdist') and config.getoption('dist', 'no') == 'loadgroup':
        import xdist
        if Version(pytest.__version__) >= Version('9.2') and Version(xdist.__version__) <= Version('3.8.0'):
            raise pytest.UsageError(f'pytest {pytest.__version__} with pytest-xdist {xdist.__version__} ignores '
                                    '--dist loadgroup (pytest-xdist#1386): pip install "pytest<9.2", or run without -n')
