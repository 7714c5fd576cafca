"""python -m segmint runs the command-line tool."""

from segmint.cli import main

main()
