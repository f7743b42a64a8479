"""The deployable: the composition root (runtime), the command line, the embedded stack, demo
data and simulation. The only package that imports every other."""
