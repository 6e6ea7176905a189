"""caseload: keyboard-driven early-warning triage for school counselors.

``__version__`` is the one place the version is written: pyproject.toml reads it
(``[tool.setuptools.dynamic]``), and ``caseload --version`` prints the installed
distribution's version (importlib.metadata), falling back to this.
"""

__version__ = "0.1.0"
