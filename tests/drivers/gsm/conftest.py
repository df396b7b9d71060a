"""Shared fixtures of the GSM driver tests.

``vmodem``
    A started :class:`~drivers.gsm.virtual.VirtualModem` with default settings
    (SIM of 30 slots, no PIN, profile "generic"); open ``vmodem.port`` with
    pyserial. It is stopped after the test.

``make_vmodem``
    A factory for modems with other settings: ``make_vmodem(pin="1234",
    profile="sim800")`` takes the ``VirtualModem`` keyword arguments and returns
    a started modem; every modem it made is stopped after the test.

Both put the port link in the test's ``tmp_path``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from drivers.gsm.virtual import VirtualModem


@pytest.fixture
def make_vmodem(tmp_path: Path) -> Iterator[Callable[..., VirtualModem]]:
    """Factory of started virtual modems (keyword arguments of VirtualModem), all stopped after."""
    made: list[VirtualModem] = []
    numbers = itertools.count()

    def make(**kwargs: Any) -> VirtualModem:
        kwargs.setdefault("link", str(tmp_path / f"ttyGSM{next(numbers)}"))
        vm = VirtualModem(**kwargs)
        vm.start()
        made.append(vm)
        return vm

    yield make
    for vm in made:
        vm.stop()


@pytest.fixture
def vmodem(make_vmodem: Callable[..., VirtualModem]) -> VirtualModem:
    """A started virtual modem with default settings; stopped after the test."""
    return make_vmodem()
