"""``python -m csc_perf`` runs the command line."""

from csc_perf.cli import main

if __name__ == "__main__":
    main()
