"""Configuration from the environment: every key is prefixed `DVK_` (see docs/configuration.md).

Service-specific keys carry the service name (`DVK_REGISTRY_DATABASE_URL`), so one environment
file can describe a whole host while each process reads only its own part.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, PrivateAttr, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE_PORTS: dict[str, int] = {
    "registry": 8101,
    "evaluation": 8102,
    "awards": 8103,
    "notifications": 8104,
}
"""Default HTTP ports, documented in the README; each is overridable by `DVK_<SERVICE>_PORT`."""

WEB_PORT = 8100
PROCESS_PORTS: dict[str, int] = {"web": WEB_PORT, **SERVICE_PORTS}
"""Every process `dvk up` starts, the web application first. The web owns no events and no NATS user,
so it is not among `SERVICE_PORTS`, which NATS credentials and topology are built from."""


INSTANCE_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
"""An instance name is also the NATS server's name and JetStream domain: one token, no dots or wildcards."""
DEFAULT_INSTANCE = "local"


def checked_instance(name: str) -> str:
    if not re.match(INSTANCE_PATTERN, name):
        raise ValueError(f"DVK_INSTANCE must match {INSTANCE_PATTERN} (it names the JetStream domain): {name!r}")
    return name


class PlatformSettings(BaseSettings):
    """What every process of one instance shares."""

    model_config = SettingsConfigDict(env_prefix="DVK_", extra="ignore")

    instance: str = Field(DEFAULT_INSTANCE, pattern=INSTANCE_PATTERN,
                          description="This agency's instance name: every event's ce-source, the NATS server "
                                      "name (dvk-<instance>) and the JetStream domain.")
    nats_url: str = "nats://127.0.0.1:4222"
    nats_url_file: Path | None = Field(None, description="A file holding the NATS URL with this process's user "
                                                          "and password (a mounted secret); wins over nats_url.")
    jwt_secret: SecretStr | None = None
    jwt_secret_file: Path | None = None
    jwt_issuer: str = "dvk"
    sign_in_token_minutes: int = Field(30, gt=0, le=1440, description="How long a token from signing in "
                                       "(`POST /auth/token`) is valid, in minutes.")
    relay_poll_seconds: float = 1.0
    consumer_max_deliver: int = 5
    consumer_backoff_seconds: list[float] = [0.5, 1.0, 2.0, 5.0]
    consumer_ack_wait_seconds: float = 30.0
    webhook_timeout_seconds: float = 5.0
    webhook_max_attempts: int = 8
    webhook_allowed_targets: list[str] = Field(
        default_factory=list, description="Internal hosts or networks webhooks may reach, e.g. "
        '["10.20.0.0/16", "erp.ubnd.local"]; every other target must resolve to public addresses only.')
    log_level: str = "INFO"
    max_body_bytes: int = Field(1_048_576, gt=0, le=1_073_741_824,
                                description="The largest request body a service reads (1 MiB by default); "
                                            "a larger one is answered 413 before it is read.")
    idempotency_retention_days: float = Field(7.0, gt=0, description="How long an Idempotency-Key answers a "
                                              "retry with the first answer; then it is removed.")

    _secret_read: tuple[tuple[int, int, int], str] | None = PrivateAttr(default=None)

    def model_post_init(self, _: object) -> None:
        if self.nats_url_file is not None:
            self.nats_url = self.nats_url_file.read_text().strip()

    def signing_secret(self) -> str:
        """The JWT secret, from a file (for mounted secrets) or the environment; never from code.

        Asked on every request: the file is read once and again only when it changes (a rotated
        secret takes effect without a restart), not on every request."""
        if self.jwt_secret_file is not None:
            stat = self.jwt_secret_file.stat()
            stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
            if self._secret_read is None or self._secret_read[0] != stamp:
                self._secret_read = (stamp, self.jwt_secret_file.read_text().strip())
            return self._secret_read[1]
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        raise RuntimeError("Set DVK_JWT_SECRET or DVK_JWT_SECRET_FILE")


class ServiceSettings(BaseSettings):
    """One service's own keys, read with the prefix `DVK_<SERVICE>_`."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = ""
    database_url_file: Path | None = Field(None, description="A file holding the database URL with this "
                                           "service's role and password (a mounted secret); wins over database_url.")
    host: str = "127.0.0.1"
    port: int = 0
    """0 means "the service's documented default" (SERVICE_PORTS)."""

    def model_post_init(self, _: object) -> None:
        if self.database_url_file is not None:
            self.database_url = self.database_url_file.read_text().strip()
        if not self.database_url:
            raise ValueError("Set DVK_<SERVICE>_DATABASE_URL or DVK_<SERVICE>_DATABASE_URL_FILE")

    @classmethod
    def for_service(cls, service: str) -> ServiceSettings:
        # Defaults passed as arguments would outrank the environment, so the port is filled after.
        settings = cls(_env_prefix=f"DVK_{service.upper()}_")
        if settings.port == 0:
            settings = settings.model_copy(update={"port": PROCESS_PORTS[service]})
        return settings
