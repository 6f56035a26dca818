"""`python -m si_paas` runs the `si` command."""

from si_paas.cli.main import main

main()
