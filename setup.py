"""Everything is in pyproject.toml.  This file is here for `scrapyd-deploy`,
which builds the egg with `python setup.py bdist_egg` and, finding no
setup.py, would write one of its own into the checkout."""

from setuptools import setup

setup()
