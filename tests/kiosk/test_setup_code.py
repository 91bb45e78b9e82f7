"""The set-up code: printed by ``nanum init``, asked for by the staff door of a fresh kiosk."""

from __future__ import annotations

import json

from kiosk.secrets_hash import check_pin
from kiosk.services import open_kiosk
from kiosk.services.staff import SETUP_CODE_SETTING, Staff


def _stored(nanum):
    k = open_kiosk(nanum.data)
    try:
        return k.setting(SETUP_CODE_SETTING)
    finally:
        k.close()


def test_init_prints_a_set_up_code_that_only_its_hash_is_kept(nanum):
    code, out, err = nanum("init", "--site", "GN01", "--json")
    assert code == 0, err
    setup = json.loads(out)["setup_code"]
    assert len(setup) == 8 and setup.isdigit()
    stored = _stored(nanum)
    assert setup not in stored and check_pin(setup, stored)
    # In words too, in the staff's language.
    assert nanum("staff", "setup-code", lang="ko")[1].count("설치 코드") == 1


def test_a_new_code_replaces_the_old_one_and_none_once_a_manager_exists(nanum):
    assert nanum("init", "--site", "GN01")[0] == 0
    first = _stored(nanum)
    code, out, _ = nanum("staff", "setup-code", "--json")
    assert code == 0
    new = json.loads(out)["setup_code"]
    assert _stored(nanum) != first and check_pin(new, _stored(nanum))
    assert nanum("staff", "add", "김관리", "--role", "manager", "--pin", "2580")[0] == 0
    code, out, err = nanum("staff", "setup-code")
    assert code != 0 and "A manager already exists" in err
    k = open_kiosk(nanum.data)
    try:
        assert not Staff(k).needs_first_manager()
    finally:
        k.close()
