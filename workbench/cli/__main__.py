"""``python -m workbench.cli``: the ``workbench`` command."""

from workbench.cli.app import main

main()
