"""auditkit.registry: names and aliases to objects, one error listing the known names."""

import pytest

from auditkit.errors import AuditkitError
from auditkit.registry import Registry


def test_register_get_alias_and_decorator():
    reg: Registry[int] = Registry("widget")
    reg.register("one", 1, aliases=("uno",))

    @reg.register("double")
    def double(x: int) -> int:
        return 2 * x

    assert reg.get("one") == reg.get("uno") == 1
    assert reg.get("double")(4) == 8
    assert "uno" in reg and "three" not in reg
    assert reg.names() == ["one", "double"]  # registration order
    assert dict(reg.items()) == {"one": 1, "double": double}


def test_unknown_name_lists_the_known_ones_and_twice_is_refused():
    reg: Registry[int] = Registry("widget")
    reg.register("b", 2)
    reg.register("a", 1)
    with pytest.raises(AuditkitError, match=r"unknown widget 'c'; known: a, b"):
        reg.get("c")
    with pytest.raises(ValueError, match="registered twice"):
        reg.register("a", 3)
