"""Where and how a Client connects: the argument / environment matrix. Pure: no server."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

from genai_grpc import _config
from genai_grpc._config import ClientConfig

KEY = "AIzaSy-test-key-0123456789"
ENV_KEY = "AIzaSy-env-key-abcdef"
GEMINI = "generativelanguage.googleapis.com:443"


class FakeCredentials:
    """Enough of google.auth.credentials.Credentials for pure resolution."""

    def before_request(self, *args: Any) -> None: ...


def resolve(env: dict[str, str] | None = None, **kwargs: Any) -> ClientConfig:
    return _config.resolve(env=env or {}, grpc_version="1.2.3", **kwargs)


def header(config: ClientConfig, name: str) -> str | None:
    return dict(config.metadata).get(name)


# -- Gemini API -----------------------------------------------------------------------------


def test_api_key_argument_means_gemini_over_tls() -> None:
    config = resolve(api_key=KEY)
    assert (config.target, config.secure, config.vertexai, config.auth) == (GEMINI, True, False, "api_key")
    assert header(config, "x-goog-api-key") == KEY


@pytest.mark.parametrize("env,want", [
    ({"GOOGLE_API_KEY": ENV_KEY}, ENV_KEY),
    ({"GEMINI_API_KEY": ENV_KEY}, ENV_KEY),
    ({"GOOGLE_API_KEY": "", "GEMINI_API_KEY": ENV_KEY}, ENV_KEY),
    ({"GOOGLE_API_KEY": " " + ENV_KEY + "\n"}, ENV_KEY),
])  # fmt: skip
def test_api_key_from_environment(env: dict[str, str], want: str) -> None:
    config = resolve(env)
    assert config.target == GEMINI and header(config, "x-goog-api-key") == want


def test_google_api_key_wins_over_gemini_api_key_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="genai_grpc"):
        config = resolve({"GOOGLE_API_KEY": "google-key", "GEMINI_API_KEY": "gemini-key"})
    assert header(config, "x-goog-api-key") == "google-key"
    assert "Using GOOGLE_API_KEY" in caplog.text
    assert "google-key" not in caplog.text and "gemini-key" not in caplog.text


def test_explicit_api_key_beats_the_environment(caplog: pytest.LogCaptureFixture) -> None:
    config = resolve({"GOOGLE_API_KEY": "a", "GEMINI_API_KEY": "b"}, api_key=KEY)
    assert header(config, "x-goog-api-key") == KEY
    assert caplog.records == []  # the environment was not even consulted


def test_nothing_configured_says_what_to_set() -> None:
    with pytest.raises(ValueError) as info:
        resolve({})
    for variable in (
        "GOOGLE_API_KEY",
        "GEMINI_API_KEY",
        "GOOGLE_GENAI_USE_VERTEXAI",
        "GOOGLE_CLOUD_PROJECT",
        "GOOGLE_CLOUD_LOCATION",
        "GENAI_GRPC_EMULATOR_HOST",
    ):
        assert variable in str(info.value)


@pytest.mark.parametrize("bad", ["key with space", "key\nX-Evil: 1", "ключ", "\x00"])
def test_bad_api_key_is_refused_without_showing_it(bad: str) -> None:
    with pytest.raises(ValueError, match="api_key") as info:
        resolve(api_key=bad)
    assert bad.strip() not in str(info.value)


def test_bad_api_key_in_environment_names_the_variable() -> None:
    with pytest.raises(ValueError, match="GEMINI_API_KEY") as info:
        resolve({"GEMINI_API_KEY": "bad key"})
    assert "bad key" not in str(info.value)


@pytest.mark.parametrize("bad", ["", "   "])
def test_empty_api_key_argument_is_an_error(bad: str) -> None:
    with pytest.raises(ValueError, match="api_key is empty"):
        resolve(api_key=bad)


# -- Vertex AI ------------------------------------------------------------------------------


@pytest.mark.parametrize("location,host", [
    ("global", "aiplatform.googleapis.com"),
    ("us", "aiplatform.us.rep.googleapis.com"),
    ("eu", "aiplatform.eu.rep.googleapis.com"),
    ("us-central1", "us-central1-aiplatform.googleapis.com"),
    ("europe-west4", "europe-west4-aiplatform.googleapis.com"),
])  # fmt: skip
def test_vertex_hosts_follow_the_location(location: str, host: str) -> None:
    config = resolve(vertexai=True, project="p", location=location)
    assert config.target == f"{host}:443" and config.secure
    assert (config.auth, config.credentials, config.project, config.location) == ("google", None, "p", location)
    assert header(config, "x-goog-api-key") is None


def test_vertex_from_google_genai_environment() -> None:
    env = {"GOOGLE_GENAI_USE_VERTEXAI": "true", "GOOGLE_CLOUD_PROJECT": "proj",
           "GOOGLE_CLOUD_LOCATION": "us-central1"}  # fmt: skip
    config = resolve(env)
    assert config.vertexai and config.target == "us-central1-aiplatform.googleapis.com:443"
    assert (config.project, config.location, config.auth) == ("proj", "us-central1", "google")


def test_vertex_location_defaults_to_global() -> None:
    config = resolve({"GOOGLE_GENAI_USE_VERTEXAI": "1", "GOOGLE_CLOUD_PROJECT": "proj"})
    assert config.location == "global" and config.target == "aiplatform.googleapis.com:443"


def test_vertex_project_is_optional_and_adc_is_not_looked_up_here() -> None:
    config = resolve(vertexai=True)
    assert (config.project, config.location, config.auth, config.credentials) == (None, "global", "google", None)


def test_explicit_vertex_arguments_beat_the_environment() -> None:
    env = {"GOOGLE_GENAI_USE_VERTEXAI": "false", "GOOGLE_CLOUD_PROJECT": "env-p",
           "GOOGLE_CLOUD_LOCATION": "env-l"}  # fmt: skip
    config = resolve(env, vertexai=True, project="arg-p", location="eu")
    assert (config.project, config.location) == ("arg-p", "eu")
    config = resolve(env, vertexai=True, location="us")
    assert (config.project, config.location) == ("env-p", "us")


def test_vertexai_false_beats_the_environment() -> None:
    config = resolve({"GOOGLE_GENAI_USE_VERTEXAI": "true", "GOOGLE_API_KEY": ENV_KEY}, vertexai=False)
    assert not config.vertexai and config.target == GEMINI


@pytest.mark.parametrize("value,vertex", [
    ("true", True), ("True", True), ("1", True), ("yes", True), ("ON", True),
    ("false", False), ("0", False), ("no", False), ("off", False), ("", False),
])  # fmt: skip
def test_use_vertexai_values(value: str, vertex: bool) -> None:
    env = {"GOOGLE_GENAI_USE_VERTEXAI": value, "GOOGLE_API_KEY": ENV_KEY}
    assert resolve(env).vertexai is vertex


@pytest.mark.parametrize("value", ["maybe", "2", "tru", "enabled"])
def test_bad_use_vertexai_value_is_a_clear_error(value: str) -> None:
    with pytest.raises(ValueError, match=f"GOOGLE_GENAI_USE_VERTEXAI='{value}' is not a boolean"):
        resolve({"GOOGLE_GENAI_USE_VERTEXAI": value})


def test_vertex_express_mode_with_an_api_key() -> None:
    env = {"GOOGLE_CLOUD_PROJECT": "env-p", "GOOGLE_CLOUD_LOCATION": "us-central1"}
    config = resolve(env, vertexai=True, api_key=KEY)
    assert config.target == "aiplatform.googleapis.com:443"
    assert (config.auth, config.project, config.location) == ("api_key", None, None)
    assert header(config, "x-goog-api-key") == KEY


def test_vertex_env_key_alone_is_express_mode() -> None:
    config = resolve({"GOOGLE_GENAI_USE_VERTEXAI": "true", "GOOGLE_API_KEY": ENV_KEY})
    assert config.auth == "api_key" and config.target == "aiplatform.googleapis.com:443"


@pytest.mark.parametrize("env,kwargs", [
    ({"GOOGLE_CLOUD_PROJECT": "p"}, {}),                      # env project beats env key
    ({"GOOGLE_CLOUD_LOCATION": "us"}, {}),                    # env location beats env key
    ({}, {"project": "p"}),                                    # explicit project beats env key
    ({}, {"credentials": FakeCredentials()}),                  # explicit credentials beat env key
])  # fmt: skip
def test_vertex_google_credentials_beat_an_env_key(env: dict[str, str], kwargs: dict[str, Any]) -> None:
    config = resolve({"GOOGLE_API_KEY": ENV_KEY, **env}, vertexai=True, **kwargs)
    assert config.auth == "google" and header(config, "x-goog-api-key") is None


def test_explicit_credentials_are_kept() -> None:
    credentials = FakeCredentials()
    config = resolve(vertexai=True, credentials=credentials)
    assert config.credentials is credentials


@pytest.mark.parametrize("location", ["evil.example.com/x", "US-CENTRAL1", "a b", "-x", "us_central1"])
def test_location_must_look_like_a_location(location: str) -> None:
    with pytest.raises(ValueError, match="location must be a Vertex AI location"):
        resolve(vertexai=True, location=location)


def test_bad_location_in_environment_is_refused() -> None:
    with pytest.raises(ValueError, match="location"):
        resolve({"GOOGLE_GENAI_USE_VERTEXAI": "true", "GOOGLE_CLOUD_LOCATION": "x.evil.com#"})


# -- conflicts and bad arguments ------------------------------------------------------------


@pytest.mark.parametrize("kwargs,message", [
    ({"api_key": KEY, "credentials": FakeCredentials(), "vertexai": True}, "api_key and credentials"),
    ({"api_key": KEY, "credentials": FakeCredentials()}, "api_key and credentials"),
    ({"api_key": KEY, "vertexai": True, "project": "p"}, "api_key and project/location"),
    ({"api_key": KEY, "vertexai": True, "location": "us"}, "api_key and project/location"),
    ({"project": "p", "api_key": KEY}, "api_key and project/location"),
    ({"project": "p"}, "project and location are for Vertex AI"),
    ({"location": "us"}, "project and location are for Vertex AI"),
    ({"project": "p", "vertexai": False}, "project and location are for Vertex AI"),
    ({"credentials": FakeCredentials()}, "credentials are for Vertex AI"),
    ({"endpoint": "h:1", "root_certificates": b"pem", "insecure": True}, "root_certificates and insecure"),
    ({"api_key": KEY, "root_certificates": "pem"}, "root_certificates must be PEM bytes"),
    ({"vertexai": "true"}, "vertexai must be"),
    ({"api_key": KEY, "insecure": "no"}, "insecure must be"),
    ({"api_key": KEY, "allow_insecure_credentials": 1}, "allow_insecure_credentials must be"),
    ({"vertexai": True, "project": ""}, "project must be a non-empty string"),
    ({"vertexai": True, "credentials": "token"}, "credentials must be google.auth"),
    ({"api_key": KEY, "timeout": 0}, "timeout"),
    ({"api_key": KEY, "timeout": True}, "timeout"),
    ({"api_key": 123}, "api_key must be a string"),
])  # fmt: skip
def test_conflicts_and_bad_arguments_name_the_problem(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        resolve(**kwargs)
    assert KEY not in str(info.value)


def test_project_without_vertex_from_environment_is_not_a_conflict() -> None:
    config = resolve({"GOOGLE_CLOUD_PROJECT": "p", "GOOGLE_API_KEY": ENV_KEY})
    assert not config.vertexai and config.project is None


# -- endpoints, TLS and plaintext -------------------------------------------------------------


def test_endpoint_is_tls_with_default_roots() -> None:
    config = resolve(endpoint="genai.internal.example:8443")
    assert (config.target, config.secure, config.auth, config.root_certificates) == (
        "genai.internal.example:8443",
        True,
        "none",
        None,
    )


def test_endpoint_over_tls_carries_the_env_key() -> None:
    config = resolve({"GOOGLE_API_KEY": ENV_KEY}, endpoint="proxy.example:443")
    assert config.secure and header(config, "x-goog-api-key") == ENV_KEY


def test_endpoint_with_vertex_keeps_google_credentials() -> None:
    config = resolve(vertexai=True, location="us-central1", endpoint="psc.example:443")
    assert (config.target, config.secure, config.auth) == ("psc.example:443", True, "google")


@pytest.mark.parametrize(
    "endpoint", ["127.0.0.1:1", "127.1.2.3:50051", "localhost:8080", "LOCALHOST:8080", "[::1]:8080"]
)
def test_loopback_endpoint_is_plaintext(endpoint: str) -> None:
    config = resolve(endpoint=endpoint)
    assert not config.secure and config.auth == "none"


def test_loopback_endpoint_can_use_tls() -> None:
    assert resolve(endpoint="127.0.0.1:1", root_certificates=b"pem").secure
    assert resolve(endpoint="localhost:1", insecure=False).secure


@pytest.mark.parametrize("endpoint", ["10.1.2.3:443", "example.com:80", "192.168.0.1:50051", "[2001:db8::1]:1"])
def test_plaintext_to_a_non_loopback_host_is_refused(endpoint: str) -> None:
    with pytest.raises(ValueError, match="plaintext is allowed only to a loopback address"):
        resolve(endpoint=endpoint, insecure=True)


def test_plaintext_with_an_api_key_to_a_non_loopback_host_is_refused() -> None:
    for allow in (False, True):
        with pytest.raises(ValueError, match="plaintext") as info:
            resolve(endpoint="10.1.2.3:443", insecure=True, api_key=KEY, allow_insecure_credentials=allow)
        assert KEY not in str(info.value)


def test_explicit_credentials_over_loopback_plaintext_need_an_explicit_opt_in() -> None:
    with pytest.raises(ValueError, match="allow_insecure_credentials=True"):
        resolve(endpoint="127.0.0.1:1", api_key=KEY)
    with pytest.raises(ValueError, match="refusing to send Google credentials in plaintext"):
        resolve(endpoint="127.0.0.1:1", vertexai=True, credentials=FakeCredentials())
    config = resolve(endpoint="127.0.0.1:1", api_key=KEY, allow_insecure_credentials=True)
    assert (config.secure, config.local_credentials, header(config, "x-goog-api-key")) == (False, True, KEY)


def test_environment_credentials_are_left_out_of_plaintext(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="genai_grpc"):
        config = resolve({"GOOGLE_API_KEY": ENV_KEY}, endpoint="127.0.0.1:1")
    assert config.auth == "none" and header(config, "x-goog-api-key") is None
    assert "Not sending an API key" in caplog.text and ENV_KEY not in caplog.text
    config = resolve({"GOOGLE_GENAI_USE_VERTEXAI": "true"}, endpoint="localhost:1")
    assert config.vertexai and config.auth == "none"  # no Application Default Credentials either


def test_emulator_host_is_plaintext_without_credentials() -> None:
    env = {"GENAI_GRPC_EMULATOR_HOST": "emulator:8080", "GOOGLE_API_KEY": ENV_KEY}
    config = resolve(env)
    assert (config.target, config.secure, config.auth) == ("emulator:8080", False, "none")
    config = resolve({**env, "GOOGLE_GENAI_USE_VERTEXAI": "true", "GOOGLE_CLOUD_PROJECT": "p"})
    assert config.vertexai and config.auth == "none" and config.project == "p"


def test_endpoint_equal_to_the_emulator_host_may_be_plaintext() -> None:
    config = resolve({"GENAI_GRPC_EMULATOR_HOST": "emulator:8080"}, endpoint="emulator:8080", insecure=True)
    assert not config.secure


def test_credentials_to_a_non_loopback_emulator_are_refused_even_when_allowed() -> None:
    with pytest.raises(ValueError, match="only to a loopback address"):
        resolve({"GENAI_GRPC_EMULATOR_HOST": "emulator:8080"}, api_key=KEY, allow_insecure_credentials=True)


def test_endpoint_beats_the_emulator_host() -> None:
    config = resolve({"GENAI_GRPC_EMULATOR_HOST": "127.0.0.1:9"}, endpoint="api.example:443", api_key=KEY)
    assert (config.target, config.secure) == ("api.example:443", True)


def test_emulator_can_be_reached_over_tls() -> None:
    config = resolve({"GENAI_GRPC_EMULATOR_HOST": "localhost:9"}, root_certificates=b"pem", api_key=KEY)
    assert config.secure and config.auth == "api_key"


@pytest.mark.parametrize("variable", ["nohost", "host:", ":80", "h:0", "h:65536"])
def test_bad_emulator_host_names_the_variable(variable: str) -> None:
    with pytest.raises(ValueError, match="GENAI_GRPC_EMULATOR_HOST"):
        resolve({"GENAI_GRPC_EMULATOR_HOST": variable})


# -- headers and repr -----------------------------------------------------------------------


def test_client_header_and_user_agent_name_library_python_and_grpc() -> None:
    config = resolve(api_key=KEY)
    value = header(config, "x-goog-api-client")
    assert value is not None and re.fullmatch(r"genai-grpc/0\.1\.0 gl-python/\d+\.\d+\.\d+ grpc/1\.2\.3", value)
    assert ("grpc.primary_user_agent", value) in config.options
    assert ("grpc.max_receive_message_length", -1) in config.options


def test_repr_never_shows_keys_or_credentials() -> None:
    class Loud(FakeCredentials):
        def __repr__(self) -> str:
            return "Loud(token=SECRET-TOKEN)"

    for config in (resolve(api_key=KEY), resolve(vertexai=True, credentials=Loud())):
        for text in (repr(config), str(config), f"{config}"):
            assert KEY not in text and "SECRET-TOKEN" not in text
    assert "x-goog-api-key" in repr(resolve(api_key=KEY))  # the header's name is fine
