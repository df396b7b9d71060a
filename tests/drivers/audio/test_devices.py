"""Finding the configured device: by index, by name after its index moved, by part of a name."""

from __future__ import annotations

import json
import os
import textwrap

import pytest

from drivers.audio.devices import Device, match_device, normalise_name
from drivers.audio.errors import NoDeviceError
from tests.audio_live import require_cable, run_python


def dev(index: int, name: str, ins: int = 2, outs: int = 2, **kw) -> Device:
    return Device(index, name, "ALSA", ins, outs, 48000.0, **kw)


BEFORE = [
    dev(0, "HDA Intel PCH: ALC892 Analog (hw:0,0)"),
    dev(1, "USB Audio CODEC: - (hw:1,0)", ins=1, outs=0),
    dev(2, "Headset Cue: USB Audio (hw:2,0)", ins=0),
    dev(3, "default", default_input=True, default_output=True),
]
# After a replug the cards came back in another order, with new indexes and hw numbers.
AFTER = [
    dev(0, "HDA Intel PCH: ALC892 Analog (hw:0,0)"),
    dev(1, "Headset Cue: USB Audio (hw:1,0)", ins=0),
    dev(2, "USB Audio CODEC: - (hw:2,0)", ins=1, outs=0),
    dev(3, "default", default_input=True, default_output=True),
]


def test_a_name_finds_the_device_after_its_index_and_hw_number_changed():
    spec = "USB Audio CODEC: - (hw:1,0)"  # written from the old listing
    assert match_device(BEFORE, spec, "input").index == 1
    moved = match_device(AFTER, spec, "input")
    assert moved.index == 2 and moved.name.startswith("USB Audio CODEC")


def test_part_of_a_name_matches_when_it_is_unique_and_case_does_not_matter():
    assert match_device(AFTER, "headset cue", "output").index == 1
    assert match_device(AFTER, "codec", "input").index == 2
    with pytest.raises(NoDeviceError):  # two outputs have "usb audio" in their name
        match_device([*AFTER, dev(4, "Another USB Audio (hw:3,0)")], "usb audio", "output")


def test_an_index_is_taken_as_is_and_must_have_the_right_direction():
    assert match_device(AFTER, "0", "output").index == 0
    assert match_device(AFTER, 2, "input").index == 2
    with pytest.raises(NoDeviceError):
        match_device(AFTER, "2", "output")  # the CODEC has no output


def test_empty_means_the_system_default():
    assert match_device(AFTER, "", "input").name == "default"
    assert match_device(AFTER, None, "output").name == "default"
    with pytest.raises(NoDeviceError, match="no default input device"):
        match_device(AFTER[:2], "", "input")


def test_a_missing_device_names_the_setting_and_what_exists():
    with pytest.raises(NoDeviceError) as info:
        match_device(AFTER, "Behringer UCA202", "input", setting="audio.line_device")
    text = str(info.value)
    assert "Behringer UCA202" in text and "audio.line_device" in text
    assert "USB Audio CODEC" in text and "studio-console audio devices" in text
    assert info.value.code == "no_device"


def test_normalise_name_drops_only_the_alsa_card_suffix():
    assert normalise_name(" USB Audio CODEC: - (hw:2,0) ") == "usb audio codec: -"
    assert normalise_name("pipewire") == "pipewire"


ASOUNDRC = """\
{extra}
pcm.studio_cue {{ type pipewire; playback_node "cable_in"; hint {{ show on; description "cue" }} }}
pcm.studio_line {{ type pipewire; capture_node "cable_out"; hint {{ show on; description "line" }} }}
"""

PROBE = textwrap.dedent("""
    import json
    from drivers.audio import find_device
    cue, line = find_device("studio_cue", "output"), find_device("studio_line", "input")
    print(json.dumps({"cue": [cue.index, cue.name], "line": [line.index, line.name]}))
""")


@pytest.mark.audio
def test_live_named_devices_are_found_by_name_when_their_index_moves(tmp_path):
    """Two ALSA configurations (a HOME each) list the same named devices at other indexes."""
    require_cable()
    found = []
    for extra in (
        "",
        "\n".join(f'pcm.extra{i} {{ type null; hint {{ show on; description "x" }} }}' for i in range(3)),
    ):
        home = tmp_path / f"home{len(found)}"
        home.mkdir()
        (home / ".asoundrc").write_text(ASOUNDRC.format(extra=extra))
        out = run_python(PROBE, env={**os.environ, "HOME": str(home)})
        assert out.returncode == 0, out.stderr
        found.append(json.loads(out.stdout.strip().splitlines()[-1]))
    assert found[0]["cue"][1] == found[1]["cue"][1] == "studio_cue"
    assert found[0]["line"][1] == found[1]["line"][1] == "studio_line"
    assert found[1]["cue"][0] == found[0]["cue"][0] + 3  # it moved, and was still found
