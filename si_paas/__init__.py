"""si-paas: policy-as-code compliance scanner and the `si paas` operator CLI."""

__version__ = "0.1.0"
