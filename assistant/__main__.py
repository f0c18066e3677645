"""`python -m assistant`: the `news-assistant` command."""

import sys

from .faces.cli import main

if __name__ == "__main__":
    sys.exit(main())
