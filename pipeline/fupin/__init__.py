"""fupin: information extraction for Chinese poverty-alleviation texts."""
__version__ = "0.1.0"
