"""Directory entry types (``d_type``), from <dirent.h>."""

from __future__ import annotations

from . import Xlat

DIRENT_TYPES = Xlat.of(
    (0, "DT_UNKNOWN"),
    (1, "DT_FIFO"),
    (2, "DT_CHR"),
    (4, "DT_DIR"),
    (6, "DT_BLK"),
    (8, "DT_REG"),
    (10, "DT_LNK"),
    (12, "DT_SOCK"),
    (14, "DT_WHT"),
)
