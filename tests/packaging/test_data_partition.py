"""A stolen kiosk's data is useless without the kiosk's key: the data folder is the one
folder docs/updates.md puts on a LUKS2 partition unlocked by the kiosk's TPM2, and the
kiosk service waits for that folder's mount."""

from pathlib import Path

from kiosk.config import load_config

ROOT = Path(__file__).resolve().parents[2]
DATA = "/var/lib/nanum-kiosk"


def test_the_service_needs_the_data_folder_mounted_and_a_database_there():
    unit = (ROOT / "packaging" / "systemd" / "nanum-kiosk.service").read_text().splitlines()
    assert f"RequiresMountsFor={DATA}" in unit
    assert f"ConditionPathExists={DATA}/nanum.sqlite3" in unit


def test_everything_secret_lives_in_the_folder_the_partition_holds(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("deb_config", ROOT / "packaging" / "deb_config.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cfg_file = tmp_path / "config.toml"
    cfg_file.write_text(module.package_config())
    cfg = load_config(cfg_file)
    assert cfg.get("kiosk", "data_dir") == DATA
    # the contact key defaults to the data folder (kiosk.services.lifecycle.contact_key)
    assert not cfg.get("privacy", "key_file")
    doc = (ROOT / "docs" / "updates.md").read_text()
    assert f"/dev/mapper/nanumdata {DATA} ext4" in doc
    assert "systemd-cryptenroll --tpm2-device=auto" in doc and "nanum hub revoke-kiosk" in doc
