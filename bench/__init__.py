"""soporte's benchmark suite: `python -m bench` (or `./run bench`) prints the figures."""
