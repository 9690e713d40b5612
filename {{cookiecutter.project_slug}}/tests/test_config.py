from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.config import ConfigError, Settings


def test_defaults_to_a_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings.from_env({"DATA_DIR": str(tmp_path)})
    assert settings.database_url.get_backend_name() == "sqlite"
    assert settings.database_url.database == str(tmp_path / "app.db")


def test_database_url_wins(tmp_path: Path) -> None:
    settings = Settings.from_env({"DATABASE_URL": f"sqlite:///{tmp_path}/other.db"})
    assert settings.database_url.database == f"{tmp_path}/other.db"


def test_secret_read_from_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret_key"
    secret.write_text("s3cr3t value\n")
    settings = Settings.from_env({"SECRET_KEY_FILE": str(secret)})
    assert settings.secret_key == "s3cr3t value"


def test_database_url_read_from_file(tmp_path: Path) -> None:
    url_file = tmp_path / "database_url"
    url_file.write_text(f"sqlite:///{tmp_path}/from-file.db\n")
    settings = Settings.from_env({"DATABASE_URL_FILE": str(url_file)})
    assert settings.database_url.database == f"{tmp_path}/from-file.db"


def test_value_and_file_together_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not both"):
        Settings.from_env({"SECRET_KEY": "a", "SECRET_KEY_FILE": str(tmp_path / "x")})


def test_missing_secret_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY_FILE=.* cannot be read"):
        Settings.from_env({"SECRET_KEY_FILE": str(tmp_path / "missing")})


def test_bad_number_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="MAX_CONTENT_LENGTH='lots' is not a whole number"):
        Settings.from_env({"MAX_CONTENT_LENGTH": "lots"})


def test_an_empty_setting_takes_the_default(tmp_path: Path) -> None:
    # compose passes `${NAME:-}`, an empty value, for every setting .env leaves out.
    empty = {"DATA_DIR": str(tmp_path), "LOG_LEVEL": "", "MAX_CONTENT_LENGTH": "", "DB_TIMEOUT": ""}
    settings = Settings.from_env(empty)
    assert settings.log_level == "INFO"
    assert (settings.max_content_length, settings.db_timeout) == (64 * 1024, 5)


SECURE_ISSUERS = "https://id.example.com/realms/main https://x.auth0.com/ http://127.0.0.1:8080/x"
OTHER_ISSUERS = (
    "http://id.example.com http://10.0.0.1 ftp://127.0.0.1 id.example.com https:// "
    "https://id.example.com/?realm=main https://id.example.com/#main"
)


@pytest.mark.parametrize("issuer", [*SECURE_ISSUERS.split(), "http://localhost", "http://[::1]:80"])
def test_an_identity_provider_on_https_or_on_this_machine(issuer: str) -> None:
    settings = Settings.from_env({"OIDC_ISSUER": issuer, "OIDC_AUDIENCE": "my-api"})
    assert (settings.oidc_issuer, settings.oidc_audience) == (issuer, "my-api")


@pytest.mark.parametrize("issuer", OTHER_ISSUERS.split())
def test_an_identity_provider_elsewhere_is_refused_at_startup(issuer: str) -> None:
    with pytest.raises(ConfigError, match="OIDC_ISSUER=.* must be an https:// URL"):
        Settings.from_env({"OIDC_ISSUER": issuer, "OIDC_AUDIENCE": "my-api"})


def test_the_issuer_and_the_audience_come_together() -> None:
    assert Settings.from_env({"OIDC_ISSUER": "", "OIDC_AUDIENCE": ""}).oidc_issuer is None
    with pytest.raises(ConfigError, match="set OIDC_ISSUER and OIDC_AUDIENCE together"):
        Settings.from_env({"OIDC_ISSUER": "https://login.example.com"})
{%- if cookiecutter.database == "postgresql" %}


def test_postgres_settings_with_password_file(tmp_path: Path) -> None:
    password = tmp_path / "db_password"
    password.write_text("p@ss:w/rd%\n")
    settings = Settings.from_env(
        {
            "POSTGRES_HOST": "db",
            "POSTGRES_USER": "app",
            "POSTGRES_DB": "appdb",
            "POSTGRES_PASSWORD_FILE": str(password),
        }
    )
    url = settings.database_url
    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.port, url.username, url.database) == ("db", 5432, "app", "appdb")
    assert url.password == "p@ss:w/rd%"
{%- endif %}
