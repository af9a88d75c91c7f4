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
