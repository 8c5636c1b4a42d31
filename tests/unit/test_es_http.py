"""The search read path's HTTP client reads a URL as the official Elasticsearch client does
(``indexer._es_http``): the same server, port, path prefix and credentials, so a setting that
works for ingest works for search. No server needed."""

from __future__ import annotations

import ssl

import pytest
from elastic_transport.client_utils import url_to_node_config

from docstore.errors import redact
from indexer._es_http import EsHttp, node_of

URLS = [
    "http://127.0.0.1:9200",
    "http://localhost:9200/",
    "http://es.internal",  # no port: 80, as the official client with default ports
    "https://es.example.com",  # https without a port: 443
    "https://elastic:s3cr%40t%3Apw@es.example.com:9243",  # percent-encoded password with @ and :
    "https://%E6%A1%A3%E6%A1%88:%E5%AF%86%E7%A0%81@10.0.0.5:9200/es/prefix",  # 档案:密码, a prefix
    "http://[::1]:9200",
    "http://user@127.0.0.1:9200",  # a user without a password
]


@pytest.mark.parametrize("url", URLS)
def test_a_url_means_what_it_means_to_the_official_client(url: str) -> None:
    official = url_to_node_config(url, use_default_ports_for_scheme=True)
    scheme, host, port, prefix, headers = node_of(url)
    assert (scheme, host, port, prefix) == (official.scheme, official.host, official.port,
                                            official.path_prefix)
    assert headers.get("authorization") == official.headers.get("authorization")


@pytest.mark.parametrize("url", ["127.0.0.1:9200", "http://", "not a url"])
def test_a_url_without_scheme_or_host_is_refused_like_the_official_client(url: str) -> None:
    with pytest.raises(ValueError):
        url_to_node_config(url, use_default_ports_for_scheme=True)
    with pytest.raises(ValueError):
        node_of(url)


def test_https_verifies_the_certificate_and_the_name_unless_the_url_is_an_address() -> None:
    named = EsHttp("https://es.example.com:9243").tls
    address = EsHttp("https://10.0.0.5:9200").tls
    for context in (named, address):
        assert context is not None and context.verify_mode == ssl.CERT_REQUIRED
        assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
        assert context.cert_store_stats()["x509_ca"] > 0  # certifi's roots at least
    assert named.check_hostname and not address.check_hostname
    assert EsHttp("http://127.0.0.1:9200").tls is None


def test_messages_name_the_server_without_its_password() -> None:
    assert redact("https://elastic:s3cr%40t@es.example.com:9243/x") == \
        "https://elastic:***@es.example.com:9243/x"
    assert redact("http://127.0.0.1:9200") == "http://127.0.0.1:9200"
