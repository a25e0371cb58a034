"""guidebook: turn a bureau's catalogue of services into a print-ready guide, handouts and Word files."""

__version__ = "0.1.0"
