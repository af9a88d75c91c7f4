"""Every chapter of the book, executed once in nbdev_test's executor (the `executed_chapters` fixture of
conftest.py: tools/nb_to_book.py run-all, IN_TEST=1, one torch thread each), one pytest case per notebook."""
from pathlib import Path
import pytest

pytestmark = pytest.mark.xdist_group('book')      # shares the executed chapters with tests/test_book.py

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p.name for p in (ROOT / 'nbs').glob('*.ipynb') if not p.name.startswith(('_', '.')))


def test_there_are_chapters():
    assert 'index.ipynb' in NOTEBOOKS and '00_core.ipynb' in NOTEBOOKS


@pytest.mark.parametrize('notebook', NOTEBOOKS)
def test_notebook(executed_chapters, notebook):
    folder, status = executed_chapters
    st = status.get(notebook)
    assert st is not None, f'{notebook} was not executed'
    assert st['ok'], f'{notebook} failed ({st["seconds"]} s):\n{st["error"]}'
    assert (folder / notebook).is_file()
