"""Progress bars for long commands (on stderr, so output stays parseable)."""

import sys
from contextlib import contextmanager

from tqdm import tqdm


@contextmanager
def progress_bar(total: int | None, description: str, *, disable: bool | None = None):
    """Yield a callable ``advance(n=1)``; draws a bar when stderr is a terminal."""
    if disable is None:
        disable = not sys.stderr.isatty()
    with tqdm(total=total, desc=description, unit="", disable=disable, file=sys.stderr, dynamic_ncols=True) as bar:
        yield bar.update
