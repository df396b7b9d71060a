"""Studio Console: the call-in and SMS console of Radio Malowopati."""

__version__ = "0.1.0"
