"""``python -m toehold``: the same as the ``toehold`` command."""
import sys

from toehold.cli import main

sys.exit(main())
