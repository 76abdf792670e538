"""Config values from TOML or --set strings, coerced to each key's type, naming the key on failure."""
from __future__ import annotations

import math
import typing

from seqgan_gumbel.errors import UserError

INT_LIMIT = 2**31 - 1        # every integer key (seeds, sizes, step counts) within a C int


def convert(key: str, value, hint):
    """Coerce a TOML value or a --set string to the field's type, naming the key on failure."""
    origin = typing.get_origin(hint)
    try:
        if origin is list:
            (inner,) = typing.get_args(hint)
            if isinstance(value, str):
                value = [v for v in value.replace("[", "").replace("]", "").split(",") if v.strip()]
            return [convert(key, v, inner) for v in value]
        if hint is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("true", "1", "yes", "on"):
                return True
            if text in ("false", "0", "no", "off"):
                return False
            raise ValueError
        if hint is int:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            if abs(number := int(value)) > INT_LIMIT:
                raise UserError(f"config key {key}: {value} is out of range (at most {INT_LIMIT:,} in size)")
            return number
        if hint is float:
            if isinstance(value, bool) or not math.isfinite(number := float(value)):
                raise ValueError
            return number
        if hint is str:
            if not isinstance(value, str):
                raise ValueError
            return value
    except (ValueError, TypeError):
        pass
    name = "float (a finite number)" if hint is float else getattr(hint, "__name__", str(hint))
    raise UserError(f"config key {key}: {value!r} is not a valid {name}")
