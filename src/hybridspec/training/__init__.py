"""Training from a spec's ``train:`` section: static checks, data sources, the run and its CLI.

``check`` and ``data`` import neither TensorFlow nor Keras; ``run.train`` imports them when
called. Import the submodules: the package itself loads nothing, so registering the
``train`` command costs ``hybridspec check`` no NumPy import.
"""
