"""Where the template is: the repository this package sits in (its parent folder)."""

from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[1]
