"""rules.py: pattern grammar, decision order, IP canonicalization, resolved-address guard."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from ringfence.errors import PolicyError
from ringfence.policy.model import Item, NetPolicy
from ringfence.proxy.rules import NetRules, canonical_host, decide, decide_sni, parse_pattern


def rules(allow=(), deny=(), local=()):
    return NetRules.from_policy(NetPolicy(tuple(Item(a, "allow-src") for a in allow),
                                          tuple(Item(d, "deny-src") for d in deny)), local)


@pytest.mark.parametrize("text,canonical,kind", [
    ("example.com", "example.com", "host"),
    ("Example.COM.", "example.com", "host"),
    ("*.example.com", "*.example.com", "wildcard"),
    ("*.Example.com.:443", "*.example.com:443", "wildcard"),
    ("api.example.com:8443", "api.example.com:8443", "host"),
    ("under_score.example", "under_score.example", "host"),
    ("127.0.0.1", "127.0.0.1", "ip"),
    ("127.0.0.1:8080", "127.0.0.1:8080", "ip"),
    ("2130706433", "127.0.0.1", "ip"),
    ("0x7f000001:80", "127.0.0.1:80", "ip"),
    ("127.1", "127.0.0.1", "ip"),
    ("10.0.0.0/8", "10.0.0.0/8", "ip"),
    ("10.0.0.0/8:22", "10.0.0.0/8:22", "ip"),
    ("[::1]", "[::1]", "ip"),
    ("[::1]:8080", "[::1]:8080", "ip"),
    ("[FD00::/8]", "[fd00::/8]", "ip"),
    ("[fd00::/8]:443", "[fd00::/8]:443", "ip"),
    ("[::ffff:127.0.0.1]", "127.0.0.1", "ip"),
])
def test_valid_patterns(text, canonical, kind):
    p = parse_pattern(text)
    assert (p.text, p.kind) == (canonical, kind)


@pytest.mark.parametrize("text,message", [
    ("", "empty"),
    ("*", "'*'"),
    ("*:22", "'*'"),
    ("a.*.com", "'*'"),
    ("foo*.com", "'*'"),
    ("*.com", "too broad"),
    ("*.*.example.com", "'*'"),
    ("http://example.com", "scheme"),
    ("example.com/path", "path"),
    ("example..com", "empty label"),
    (".example.com", "empty label"),
    ("exa mple.com", "whitespace"),
    ("example.com\n", "control"),
    ("ex\x00ample.com", "control"),
    ("bücher.de", "punycode"),
    ("example.com:0", "port"),
    ("example.com:65536", "port"),
    ("example.com:http", "port"),
    ("::1", "bracketed"),
    ("fe80::/10", "bracketed"),
    ("[::1", "unclosed"),
    ("[::1]x", "after ']'"),
    ("[1.2.3.4]", "IPv6"),
    ("[::1%eth0]", "zone"),
    ("10.0.0.1/8", "host bits"),
    ("10.0.0.0/33", "bad IP pattern"),
    ("1.2.3.4.5", "too many parts"),
    ("256.1.1.1", "out of range"),
    ("example.09", "IPv4"),
    ("-bad.example.com", "label"),
    ("a" * 64 + ".com", "label"),
    ("user@example.com", "label"),
])
def test_invalid_patterns(text, message):
    with pytest.raises(ValueError) as e:
        parse_pattern(text)
    assert message.lower() in str(e.value).lower()


def test_from_policy_names_the_bad_entry_and_its_source():
    net = NetPolicy(allowed_domains=(Item("ok.example", "a"), Item("*", "~/.claude/settings.json")))
    with pytest.raises(PolicyError) as e:
        NetRules.from_policy(net)
    assert "~/.claude/settings.json" in e.value.message and "allowedDomains" in e.value.message


def test_exact_wildcard_port_case_trailing_dot():
    r = rules(allow=["example.com", "*.github.com", "api.only443.test:443"])
    assert decide(r, "example.com", 443).allow
    assert decide(r, "EXAMPLE.com.", 80).allow
    assert not decide(r, "www.example.com", 443).allow
    assert decide(r, "api.github.com", 443).allow
    assert decide(r, "a.b.github.com", 443).allow
    assert not decide(r, "github.com", 443).allow           # apex is not a subdomain
    assert not decide(r, "malicious-github.com", 443).allow
    assert not decide(r, "github.com.evil.test", 443).allow
    assert decide(r, "api.only443.test", 443).allow
    assert not decide(r, "api.only443.test", 80).allow


def test_deny_beats_allow_and_default_is_deny():
    r = rules(allow=["*.example.com"], deny=["secret.example.com", "*.internal.example.com"])
    assert decide(r, "www.example.com", 443).allow
    d = decide(r, "secret.example.com", 443)
    assert (d.allow, d.rule) == (False, "secret.example.com")
    assert "deny-src" in d.reason
    assert not decide(r, "a.internal.example.com", 443).allow
    d = decide(r, "other.test", 443)
    assert (d.allow, d.rule) == (False, "default-deny")


@pytest.mark.parametrize("spelling", [
    "127.0.0.1", "2130706433", "0x7f000001", "0X7F000001", "0177.0.0.1", "017700000001",
    "127.1", "127.0.1", "0x7f.1", "0x7f.0.0.1", "[::ffff:127.0.0.1]", "::ffff:7f00:1",
    "127.0.0.1.",
])
def test_ip_spellings_are_canonicalized_before_deciding(spelling):
    assert canonical_host(spelling)[0] == "127.0.0.1"
    allow = rules(allow=["127.0.0.1:8080"])
    assert decide(allow, spelling, 8080).allow
    assert decide(allow, spelling, 8080).addresses == ("127.0.0.1",)
    assert not decide(allow, spelling, 8081).allow
    deny = rules(allow=["127.0.0.0/8"], deny=["127.0.0.1"])
    assert decide(deny, spelling, 8080).rule == "127.0.0.1"
    assert decide(deny, "127.0.0.2", 8080).allow           # positive control


@pytest.mark.parametrize("host", [
    "1.2.3.4.5", "256.0.0.1", "0x100000000", "example.09", "a..b", "x y", "ex\x00ample",
    "ex\nample", "", "[1.2.3.4]", "[::1%25eth0]", "fe80::1%eth0", "é.com", "-a.com",
])
def test_invalid_hosts_are_denied(host):
    d = decide(rules(allow=["example.com"]), host, 443)
    assert not d.allow and d.rule == "invalid-host"


def test_invalid_port_denied():
    r = rules(allow=["example.com"])
    assert decide(r, "example.com", 0).rule == "invalid-port"
    assert decide(r, "example.com", 65536).rule == "invalid-port"


def test_ipv6_patterns_and_cidr():
    r = rules(allow=["[2001:db8::/32]:443", "[::1]:8080", "192.168.0.0/16"])
    assert decide(r, "[2001:db8::5]", 443).allow
    assert decide(r, "2001:db8::5", 443).allow
    assert not decide(r, "2001:db9::5", 443).allow
    assert not decide(r, "2001:db8::5", 80).allow
    assert decide(r, "[::1]", 8080).allow
    assert decide(r, "192.168.4.4", 1).allow
    assert decide(r, "[::ffff:192.168.4.4]", 1).allow
    assert not decide(r, "192.169.0.1", 1).allow


# ---------------------------------------------------------------- resolved-address guard

@pytest.mark.parametrize("address,what", [
    ("127.0.0.1", "loopback"), ("127.9.9.9", "loopback"), ("::1", "loopback"),
    ("169.254.1.1", "link-local"), ("fe80::1", "link-local"),
    ("169.254.169.254", "metadata"), ("fd00:ec2::254", "metadata"),
    ("100.100.100.200", "metadata"), ("0.0.0.0", "unspecified"), ("::", "unspecified"),
    ("224.0.0.1", "multicast"), ("ff02::1", "multicast"),
    ("::ffff:169.254.169.254", "metadata"), ("64:ff9b::a9fe:a9fe", "metadata"),
    ("2002:7f00:1::", "loopback"),
])
def test_name_resolving_to_special_address_is_refused(address, what):
    r = rules(allow=["svc.example.com"])
    d = decide(r, "svc.example.com", 443, [address])
    assert not d.allow and d.rule == "resolved-address"
    assert what in d.reason
    assert decide(r, "svc.example.com", 443, ["93.184.216.34"]).allow   # positive control


def test_host_own_addresses_are_refused():
    r = rules(allow=["svc.example.com"], local=["192.0.2.2", "fd00::2"])
    assert not decide(r, "svc.example.com", 443, ["192.0.2.2"]).allow
    assert not decide(r, "svc.example.com", 443, ["fd00::2"]).allow
    assert decide(r, "svc.example.com", 443, ["192.0.2.3"]).allow


def test_explicitly_allowed_ip_lets_a_name_use_it():
    r = rules(allow=["localhost", "127.0.0.1:8080"])
    assert not decide(r, "localhost", 80, ["127.0.0.1"]).allow
    d = decide(r, "localhost", 8080, ["127.0.0.1"])
    assert d.allow and d.addresses == ("127.0.0.1",)


def test_mixed_answer_keeps_only_the_addresses_that_pass():
    r = rules(allow=["svc.example.com"], deny=["203.0.113.0/24"])
    d = decide(r, "svc.example.com", 443,
               ["169.254.169.254", "203.0.113.9", "198.51.100.7", "::ffff:198.51.100.7", "::1"])
    assert d.allow and d.addresses == ("198.51.100.7",)
    d = decide(r, "svc.example.com", 443, ["203.0.113.9"])
    assert not d.allow and "deniedDomains" in d.reason


def test_ip_literal_targets_need_explicit_patterns_not_the_guard():
    r = rules(allow=["127.0.0.1:9000"])
    assert decide(r, "127.0.0.1", 9000).allow
    assert not decide(r, "localhost", 9000).allow           # a name is not an IP pattern
    assert not decide(rules(allow=["*.example.com"]), "169.254.169.254", 80).allow


# ---------------------------------------------------------------- SNI

def test_sni_must_name_the_tunnel_host():
    r = rules(allow=["api.example.com", "127.0.0.1", "cdn.example.com"])
    assert decide_sni(r, "api.example.com", 443, "API.example.com.").allow
    d = decide_sni(r, "api.example.com", 443, "evil.test")
    assert (d.allow, d.rule) == (False, "tls-sni-mismatch")
    assert not decide_sni(r, "api.example.com", 443, "cdn.example.com").allow  # fronting
    assert decide_sni(r, "api.example.com", 443, None).rule == "tls-sni-missing"
    assert not decide_sni(r, "api.example.com", 443, "bad\x00name").allow
    assert not decide_sni(r, "api.example.com", 443, "1.2.3.4").allow


def test_sni_for_ip_literal_targets():
    r = rules(allow=["127.0.0.1", "good.test"])
    assert decide_sni(r, "127.0.0.1", 443, None).allow
    assert decide_sni(r, "127.0.0.1", 443, "good.test").allow
    assert not decide_sni(r, "127.0.0.1", 443, "evil.test").allow


# ---------------------------------------------------------------- property

ALLOWED = rules(allow=["allowed.test", "*.ok.test", "127.0.0.1:8080"],
                deny=["bad.ok.test", "169.254.0.0/16"])
HOSTS = st.one_of(
    st.sampled_from(["allowed.test", "ALLOWED.TEST.", "x.ok.test", "bad.ok.test", "ok.test",
                     "evil.test", "127.0.0.1", "2130706433", "0x7f.1", "169.254.169.254",
                     "0xa9fea9fe", "[::ffff:169.254.169.254]", "allowed.test.evil",
                     "allowed.test\x00.evil", "allowed.test%2e"]),
    st.text(alphabet="abcdefgx0123456789.:[]%-_*\x00 Aé", max_size=40),
)


@settings(max_examples=500, deadline=None)
@given(host=HOSTS, port=st.integers(-1, 70000),
       resolved=st.none() | st.lists(st.sampled_from(
           ["127.0.0.1", "169.254.169.254", "8.8.8.8", "::1", "fe80::1", "bogus"]), max_size=3))
def test_decide_never_raises_and_never_allows_outside_the_rules(host, port, resolved):
    d = decide(ALLOWED, host, port, resolved)
    if not d.allow:
        return
    name, ip = canonical_host(host)
    if ip is None:
        assert name == "allowed.test" or (name.endswith(".ok.test") and name != "bad.ok.test")
        if resolved is not None:
            assert set(d.addresses) <= {"8.8.8.8"}
    else:
        assert (name, port) == ("127.0.0.1", 8080)
