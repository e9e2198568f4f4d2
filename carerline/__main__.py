"""`python -m carerline` is the same as the `carerline` command."""

from carerline.cli import main

main()
