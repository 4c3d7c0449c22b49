"""fixfirst: find the weak spots in a customer journey before marketing amplifies them."""

__version__ = "0.1.0"
