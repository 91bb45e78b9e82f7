"""The probe suite's fixtures reach the real platform and the real window."""


def test_the_platform_answers_on_postgresql(platform):
    import httpx

    assert platform.db.engine.dialect.name == "postgresql"
    r = httpx.get(platform.url + "/api/v1/info")
    assert r.status_code == 200
