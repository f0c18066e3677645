"""Launch the chat window: `python app.py [--host H] [--port P]` (builds the index first if missing)."""

import sys

from assistant.faces.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
