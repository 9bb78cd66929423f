"""The one place that reads Tessera's configuration from the environment."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from starlette.config import Config

from domain.webhooks.deliveries import Limits
from domain.webhooks.retries import RetryPolicy, parse_schedule
from domain.webhooks.targets import TargetPolicy, parse_networks
from notifications.channels.email import SmtpConfig
from notifications.channels.sms import TWILIO_API_URL, TwilioConfig

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# RFC 7518 asks for an HS256 key at least as long as the hash: 32 bytes.
MIN_JWT_SECRET_BYTES = 32
# More helpers than this would only wait for each other's batches.
MAX_FUNNEL_HELPERS = 64
# Console sessions: an idle timeout of at least a minute, a maximum age of at most 30 days.
MIN_SESSION_IDLE_TIMEOUT_S = 60
MAX_SESSION_MAX_AGE_S = 30 * 86_400


@dataclass(frozen=True)
class Settings:
    """Everything Tessera can be configured with; see docs/operations.md's configuration table."""

    database_url: str | None
    broker_url: str | None
    jwt_secret: str | None
    jwt_audience: str | None
    debug: bool
    data_dir: Path
    max_query_depth: int
    max_page_size: int
    db_pool_size: int
    keepalive_requests: int
    max_body_bytes: int = 1_048_576
    # POST /imports/files' own body limit (an import file), instead of max_body_bytes.
    import_max_bytes: int = 512 * 1_048_576
    # Rows a transaction of an import job a worker runs (the CLI's --chunk-rows).
    import_chunk_rows: int = 50_000
    max_query_cost: int = 20_000
    # Where rate-limit counters live: None means the broker's Redis (see tessera/ratelimit.py).
    rate_limit_url: str | None = None
    # Per caller and per client address, on checkVoucher and redeemVoucher.
    rate_limit_vouchers: str = "120/minute"
    # Per client address, on requests whose token does not verify.
    rate_limit_failed_auth: str = "30/minute"
    # Per staff token, on sendTestMessage (a message to any address or number).
    rate_limit_test_messages: str = "30/hour"
    # Seconds a badge change's request re-syncs holders itself before handing over.
    badge_resync_inline_s: float = 1.0
    # Channels (docs/channels.md). With neither SMTP nor Twilio set, messages stay in the
    # sandbox: rendered and recorded, never sent.
    smtp_url: str | None = None
    email_from: str | None = None
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_api_url: str = TWILIO_API_URL
    # The base URL the outside world reaches Tessera at: links in messages (unsubscribe),
    # Twilio's callbacks, and the URL Twilio's webhook signatures are checked against.
    public_url: str | None = None
    # Signs unsubscribe links (notifications/unsubscribe.py); unset: no links are made or
    # accepted.
    link_secret: str | None = None
    # What messages call the shop ([shop_name]) and the currency money is shown in.
    shop_name: str | None = None
    currency: str = "EUR"
    # Helpers run_funnels sends to other worker processes on a backlog (docs/funnels.md).
    funnel_helpers: int = 1
    # The built web console (npm --prefix console run build), served under /console.
    console_dir: Path = PROJECT_ROOT / "console" / "dist"
    # Console sessions (docs/security.md): seconds without a request, and seconds in all.
    session_idle_timeout_s: int = 1_800
    session_max_age_s: int = 43_200
    # Outbound webhooks (docs/webhooks.md): networks (CIDRs, commas) webhooks may reach
    # besides the public internet, e.g. 127.0.0.0/8 for a receiver on this machine; the
    # retry waits in seconds (commas; the last repeats) and for how long retries go on;
    # the run of failed attempts that disables a subscription; each request's timeout.
    webhooks_allow_networks: str | None = None
    webhooks_retry_schedule_s: str | None = None
    webhooks_retry_window_s: float = 3 * 86_400.0
    webhooks_disable_after_failures: int = 50
    webhooks_timeout_s: float = 10.0

    def __post_init__(self) -> None:
        if self.jwt_secret is not None and len(self.jwt_secret.encode()) < MIN_JWT_SECRET_BYTES:
            raise ValueError(
                f"TESSERA_JWT_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes long"
            )
        if self.smtp_url is not None:
            SmtpConfig.from_url(self.smtp_url)  # says what is wrong with it, at start-up
            if self.email_from is None:
                raise ValueError("TESSERA_SMTP_URL needs TESSERA_EMAIL_FROM (the sender)")
        self.twilio_config(status_callback_url=None)
        if not (len(self.currency) == 3 and self.currency.isascii() and self.currency.isupper()):
            raise ValueError("TESSERA_CURRENCY must be an ISO 4217 code such as EUR")
        if not 0 <= self.funnel_helpers <= MAX_FUNNEL_HELPERS:
            raise ValueError(f"TESSERA_FUNNEL_HELPERS must be 0 to {MAX_FUNNEL_HELPERS}")
        if not MIN_SESSION_IDLE_TIMEOUT_S <= self.session_idle_timeout_s <= self.session_max_age_s:
            raise ValueError(
                f"TESSERA_SESSION_IDLE_TIMEOUT_S must be {MIN_SESSION_IDLE_TIMEOUT_S} s or more, "
                "and at most TESSERA_SESSION_MAX_AGE_S"
            )
        if self.session_max_age_s > MAX_SESSION_MAX_AGE_S:
            raise ValueError(f"TESSERA_SESSION_MAX_AGE_S must be at most {MAX_SESSION_MAX_AGE_S}")
        self.webhook_limits()  # says what is wrong with them, at start-up
        self.webhook_targets()
        if self.webhooks_disable_after_failures < 1 or not 0 < self.webhooks_timeout_s <= 60:
            raise ValueError(
                "TESSERA_WEBHOOKS_DISABLE_AFTER_FAILURES must be 1 or more, "
                "TESSERA_WEBHOOKS_TIMEOUT_S more than 0 and at most 60"
            )
        if self.link_secret is not None and len(self.link_secret.encode()) < MIN_JWT_SECRET_BYTES:
            raise ValueError(
                f"TESSERA_LINK_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes long"
            )

    def webhook_targets(self) -> TargetPolicy:
        """Where webhooks may go: the public internet and the allowed networks."""
        return TargetPolicy(parse_networks(self.webhooks_allow_networks))

    def webhook_limits(self) -> Limits:
        """The webhooks' retry schedule and the run of failures that disables."""
        return Limits(
            RetryPolicy(
                parse_schedule(self.webhooks_retry_schedule_s), self.webhooks_retry_window_s
            ),
            self.webhooks_disable_after_failures,
        )

    def twilio_config(self, status_callback_url: str | None) -> TwilioConfig | None:
        """Twilio's settings, None when TESSERA_TWILIO_ACCOUNT_SID is not set (SMS sandbox);
        ValueError when they are incomplete."""
        if self.twilio_account_sid is None:
            return None
        if self.twilio_auth_token is None:
            raise ValueError("TESSERA_TWILIO_ACCOUNT_SID needs TESSERA_TWILIO_AUTH_TOKEN")
        return TwilioConfig(
            account_sid=self.twilio_account_sid,
            auth_token=self.twilio_auth_token,
            from_number=self.twilio_from,
            messaging_service_sid=self.twilio_messaging_service_sid,
            api_url=self.twilio_api_url,
            status_callback_url=status_callback_url,
        )

    def smtp_config(self) -> SmtpConfig | None:
        """The SMTP server, None when TESSERA_SMTP_URL is not set (email sandbox)."""
        return None if self.smtp_url is None else SmtpConfig.from_url(self.smtp_url)

    @classmethod
    def from_env(cls, env_file: Path | None = None) -> Settings:
        config = Config(env_file if env_file and env_file.exists() else None)
        return cls(
            database_url=config("TESSERA_DATABASE_URL", default=None) or None,
            broker_url=config("TESSERA_BROKER_URL", default=None) or None,
            jwt_secret=config("TESSERA_JWT_SECRET", default=None) or None,
            jwt_audience=config("TESSERA_JWT_AUDIENCE", default=None) or None,
            debug=config("TESSERA_DEBUG", cast=bool, default=False),
            data_dir=Path(config("TESSERA_DATA_DIR", default=str(PROJECT_ROOT / ".tessera"))),
            max_query_depth=config("TESSERA_MAX_QUERY_DEPTH", cast=int, default=10),
            max_page_size=config("TESSERA_MAX_PAGE_SIZE", cast=int, default=100),
            db_pool_size=config("TESSERA_DB_POOL_SIZE", cast=int, default=10),
            keepalive_requests=config("TESSERA_KEEPALIVE_REQUESTS", cast=int, default=100),
            max_body_bytes=config("TESSERA_MAX_BODY_BYTES", cast=int, default=1_048_576),
            import_max_bytes=config("TESSERA_IMPORT_MAX_BYTES", cast=int, default=512 * 1_048_576),
            import_chunk_rows=config("TESSERA_IMPORT_CHUNK_ROWS", cast=int, default=50_000),
            max_query_cost=config("TESSERA_MAX_QUERY_COST", cast=int, default=20_000),
            rate_limit_url=config("TESSERA_RATE_LIMIT_URL", default=None) or None,
            rate_limit_vouchers=config("TESSERA_RATE_LIMIT_VOUCHERS", default="120/minute"),
            rate_limit_failed_auth=config("TESSERA_RATE_LIMIT_FAILED_AUTH", default="30/minute"),
            rate_limit_test_messages=config("TESSERA_RATE_LIMIT_TEST_MESSAGES", default="30/hour"),
            badge_resync_inline_s=config("TESSERA_BADGE_RESYNC_INLINE_S", cast=float, default=1.0),
            smtp_url=config("TESSERA_SMTP_URL", default=None) or None,
            email_from=config("TESSERA_EMAIL_FROM", default=None) or None,
            twilio_account_sid=config("TESSERA_TWILIO_ACCOUNT_SID", default=None) or None,
            twilio_auth_token=config("TESSERA_TWILIO_AUTH_TOKEN", default=None) or None,
            twilio_from=config("TESSERA_TWILIO_FROM", default=None) or None,
            twilio_messaging_service_sid=(
                config("TESSERA_TWILIO_MESSAGING_SERVICE_SID", default=None) or None
            ),
            twilio_api_url=config("TESSERA_TWILIO_API_URL", default=None) or TWILIO_API_URL,
            public_url=config("TESSERA_PUBLIC_URL", default=None) or None,
            link_secret=config("TESSERA_LINK_SECRET", default=None) or None,
            shop_name=config("TESSERA_SHOP_NAME", default=None) or None,
            currency=config("TESSERA_CURRENCY", default=None) or "EUR",
            funnel_helpers=config("TESSERA_FUNNEL_HELPERS", cast=int, default=1),
            console_dir=Path(
                config("TESSERA_CONSOLE_DIR", default=None) or PROJECT_ROOT / "console" / "dist"
            ),
            session_idle_timeout_s=config(
                "TESSERA_SESSION_IDLE_TIMEOUT_S", cast=int, default=1_800
            ),
            session_max_age_s=config("TESSERA_SESSION_MAX_AGE_S", cast=int, default=43_200),
            webhooks_allow_networks=config("TESSERA_WEBHOOKS_ALLOW_NETWORKS", default=None) or None,
            webhooks_retry_schedule_s=(
                config("TESSERA_WEBHOOKS_RETRY_SCHEDULE_S", default=None) or None
            ),
            webhooks_retry_window_s=config(
                "TESSERA_WEBHOOKS_RETRY_WINDOW_S", cast=float, default=3 * 86_400.0
            ),
            webhooks_disable_after_failures=config(
                "TESSERA_WEBHOOKS_DISABLE_AFTER_FAILURES", cast=int, default=50
            ),
            webhooks_timeout_s=config("TESSERA_WEBHOOKS_TIMEOUT_S", cast=float, default=10.0),
        )
