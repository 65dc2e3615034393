"""Network rules: which host and port the sandbox may reach. Pure; no I/O.

Patterns follow Claude Code's ``sandbox.network.allowedDomains``/``deniedDomains``:

- ``example.com``      that host only (case-insensitive, a trailing dot is ignored);
- ``*.example.com``    strict subdomains only: never ``example.com`` itself;
- ``1.2.3.4``, ``10.0.0.0/8``, ``[::1]``, ``[fd00::/8]``   IP literals and CIDR ranges;
- any of these with ``:port`` (``example.com:443``, ``[::1]:8080``, ``10.0.0.0/8:22``).

Order of decision: invalid host -> deny rules -> allow rules -> deny by default.
Hosts are canonicalized first, so the other spellings of an IPv4 address
(``2130706433``, ``0x7f000001``, ``0177.0.0.1``, ``127.1``, ``::ffff:127.0.0.1``) are
judged as the address they are.

Resolved-address guard: an allowed *name* whose DNS answer holds a special address
(loopback, link-local, unspecified, multicast, cloud metadata, the host's own interface
addresses) may not use that address unless an IP or CIDR pattern in the allow list covers
it (``127.0.0.1:8080``). IP patterns in the deny list also apply to resolved addresses.
``Decision.addresses`` lists the addresses that passed; the caller connects to those and
never resolves the name again (no DNS rebinding between check and connect).
"""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_PORT = re.compile(r"[0-9]{1,5}")
_NUMERIC_LABEL = re.compile(r"(?:[0-9]+|0x[0-9a-f]*)")

# Addresses a name may not resolve to unless an IP pattern allows them explicitly.
SPECIAL_NETWORKS: tuple[tuple[IPNetwork, str], ...] = tuple(
    (ipaddress.ip_network(net), what) for net, what in (
        ("0.0.0.0/8", "unspecified"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.169.254/32", "cloud metadata"),
        ("169.254.0.0/16", "link-local"),
        ("100.100.100.200/32", "cloud metadata"),
        ("168.63.129.16/32", "cloud metadata"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("fd00:ec2::254/128", "cloud metadata"),
        ("fe80::/10", "link-local"),
        ("ff00::/8", "multicast"),
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_6TO4 = ipaddress.ip_network("2002::/16")


@dataclass(frozen=True)
class Pattern:
    """One parsed domain pattern. ``text`` is its canonical spelling."""
    text: str
    kind: str                      # "host" | "wildcard" | "ip"
    host: str = ""                 # "host": the name; "wildcard": the suffix without "*."
    network: IPNetwork | None = None
    port: int | None = None

    def matches(self, host: str, ip: IPAddress | None, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.kind == "ip":
            return ip is not None and ip.version == self.network.version and ip in self.network
        if ip is not None:
            return False
        if self.kind == "host":
            return host == self.host
        return host.endswith("." + self.host)


@dataclass(frozen=True)
class Rule:
    pattern: Pattern
    source: str


@dataclass(frozen=True)
class NetRules:
    allow: tuple[Rule, ...] = ()
    deny: tuple[Rule, ...] = ()
    local_addresses: frozenset[IPAddress] = frozenset()

    @classmethod
    def from_policy(cls, net, local_addresses: Iterable[str] = ()) -> "NetRules":
        """Compile a ``ringfence.policy.model.NetPolicy``; PolicyError names a bad entry."""
        from ringfence.errors import PolicyError

        def compile_(items, key):
            rules = []
            for item in items:
                try:
                    rules.append(Rule(parse_pattern(item.value), item.source))
                except ValueError as e:
                    raise PolicyError(str(e), file=item.source, key=key, value=item.value,
                                      fix="see 'ringfence policy' for the pattern grammar") from None
            return tuple(rules)

        local = frozenset(_unmap(ipaddress.ip_address(a)) for a in local_addresses)
        return cls(compile_(net.allowed_domains, "network.allowedDomains"),
                   compile_(net.denied_domains, "network.deniedDomains"), local)


@dataclass(frozen=True)
class Decision:
    allow: bool
    rule: str                      # the pattern that decided, or a built-in rule name
    reason: str
    addresses: tuple[str, ...] = ()  # resolved addresses that passed, in DNS order


def parse_pattern(text: str) -> Pattern:
    """Parse one allowedDomains/deniedDomains entry; ValueError says what is wrong."""
    if not isinstance(text, str) or not text:
        raise ValueError("empty domain pattern")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in text):
        raise ValueError("domain pattern contains whitespace or a control character")
    if not text.isascii():
        raise ValueError("domain pattern is not ASCII: write an international name in its "
                         "xn-- (punycode) form")
    if "://" in text:
        raise ValueError("domain pattern has a scheme: write the host only (example.com)")
    body, port = _split_port(text)
    lowered = body.lower()
    if lowered.startswith("[") and lowered.endswith("]"):
        return _ip_pattern(lowered[1:-1], port, text, bracketed=True)
    if "/" in lowered:
        if ":" in lowered:
            raise ValueError("IPv6 ranges must be bracketed: [fd00::/8] or [fd00::/8]:443")
        if not _NUMERIC_LABEL.fullmatch(lowered.split("/", 1)[0].rsplit(".", 1)[-1]):
            raise ValueError("domain pattern has a path: write the host only (example.com)")
        return _ip_pattern(lowered, port, text, bracketed=False)
    if ":" in lowered:
        raise ValueError("IPv6 addresses must be bracketed: [::1] or [::1]:443")
    if lowered.endswith("."):
        lowered = lowered[:-1]
    if lowered.startswith("*."):
        suffix = lowered[2:]
        if "*" in suffix:
            raise ValueError("'*' is allowed only as the whole first label (*.example.com)")
        labels = _labels(suffix)
        if len(labels) < 2:
            raise ValueError(f"'*.{suffix}' is too broad: name at least two labels "
                             "after the wildcard (*.example.com)")
        if _NUMERIC_LABEL.fullmatch(labels[-1]):
            raise ValueError("a wildcard cannot apply to an IP address")
        return Pattern(_with_port(f"*.{suffix}", port), "wildcard", host=suffix, port=port)
    if "*" in lowered:
        raise ValueError("'*' is allowed only as the whole first label (*.example.com); "
                         "a bare '*' or a '*' inside a label is not a pattern")
    ip = _parse_ip_host(lowered)
    if ip is not None:
        net = ipaddress.ip_network(ip)
        return Pattern(_with_port(str(ip), port), "ip", network=net, port=port)
    _labels(lowered)
    return Pattern(_with_port(lowered, port), "host", host=lowered, port=port)


def canonical_host(host: str) -> tuple[str, IPAddress | None]:
    """Return (canonical name or address text, address or None); ValueError if invalid."""
    if not isinstance(host, str) or not host or len(host) > 255:
        raise ValueError("empty or overlong host")
    if any(ord(c) < 0x21 or ord(c) >= 0x7F for c in host):
        raise ValueError("host contains whitespace, a control or a non-ASCII character")
    h = host.lower()
    if h.startswith("[") and h.endswith("]"):
        h = h[1:-1]
        if ":" not in h:
            raise ValueError("brackets are only for IPv6 addresses")
    if ":" in h:
        ip = _parse_v6(h)
        return str(ip), ip
    if h.endswith("."):
        h = h[:-1]
    ip = _parse_ip_host(h)
    if ip is not None:
        return str(ip), ip
    _labels(h)
    return h, None


def decide(rules: NetRules, host: str, port: int,
           resolved: list[str] | None = None) -> Decision:
    """Judge one connection to ``host:port``; with ``resolved``, also its DNS answer."""
    try:
        name, ip = canonical_host(host)
    except ValueError as e:
        return Decision(False, "invalid-host", f"{host[:80]!r}: {e}")
    if not isinstance(port, int) or not 0 < port < 65536:
        return Decision(False, "invalid-port", f"port {port!r} is not 1-65535")
    target = _with_port(name if ip is None or ip.version == 4 else f"[{name}]", port)
    for rule in rules.deny:
        if rule.pattern.matches(name, ip, port):
            return Decision(False, rule.pattern.text,
                            f"{target} matches deniedDomains entry {rule.pattern.text!r} "
                            f"({rule.source})")
    allowed = next((r for r in rules.allow if r.pattern.matches(name, ip, port)), None)
    if allowed is None:
        return Decision(False, "default-deny", f"{target} is not in allowedDomains")
    why = f"{target} matches allowedDomains entry {allowed.pattern.text!r} ({allowed.source})"
    if ip is not None:
        return Decision(True, allowed.pattern.text, why, (name,))
    if resolved is None:
        return Decision(True, allowed.pattern.text, why)
    return _guard_resolved(rules, name, port, resolved, allowed, why)


def decide_sni(rules: NetRules, host: str, port: int, sni: str | None) -> Decision:
    """Judge a tunnel's TLS server name against the host the tunnel was opened to.

    A name target needs an SNI naming that same host: a different name is domain fronting
    and a missing one hides the real server, so both are refused. An IP-literal target
    (where clients send no SNI, RFC 6066) passes without SNI; with one, the SNI itself
    must be allowed by the rules.
    """
    try:
        name, ip = canonical_host(host)
    except ValueError as e:
        return Decision(False, "invalid-host", str(e))
    if sni is None:
        if ip is not None:
            return Decision(True, "tls-sni", "no server name for an IP-literal target")
        return Decision(False, "tls-sni-missing",
                        f"the TLS ClientHello names no server for {name}:{port}")
    try:
        sni_name, sni_ip = canonical_host(sni)
    except ValueError as e:
        return Decision(False, "tls-sni-invalid", f"TLS server name {sni[:80]!r}: {e}")
    if sni_ip is not None:
        return Decision(False, "tls-sni-invalid", "TLS server name is an IP address")
    if ip is None:
        if sni_name == name:
            return Decision(True, "tls-sni", f"TLS server name matches {name}")
        return Decision(False, "tls-sni-mismatch",
                        f"TLS server name {sni_name} differs from the tunnel host {name} "
                        "(domain fronting)")
    inner = decide(rules, sni_name, port)
    if inner.allow:
        return Decision(True, "tls-sni", f"TLS server name {sni_name}: {inner.reason}")
    return Decision(False, "tls-sni-mismatch",
                    f"TLS server name {sni_name} to {name} is not allowed: {inner.reason}")


def special_address(rules: NetRules, ip: IPAddress) -> str | None:
    """What makes ``ip`` special (loopback, metadata, ...), or None for an ordinary one."""
    for addr in _embedded(ip):
        for net, what in SPECIAL_NETWORKS:
            if addr.version == net.version and addr in net:
                return what
        if addr in rules.local_addresses:
            return "an address of this host"
    return None


def _guard_resolved(rules, name, port, resolved, allowed, why) -> Decision:
    passed, refused = [], []
    for text in resolved:
        try:
            ip = _unmap(ipaddress.ip_address(text.split("%", 1)[0]))
        except ValueError:
            refused.append((text[:60], "not an address"))
            continue
        denied = next((r for r in rules.deny for a in _embedded(ip)
                       if r.pattern.kind == "ip" and r.pattern.matches("", a, port)), None)
        if denied is not None:
            refused.append((str(ip), f"deniedDomains entry {denied.pattern.text!r}"))
            continue
        what = special_address(rules, ip)
        explicit = any(r.pattern.kind == "ip" and r.pattern.matches("", ip, port)
                       for r in rules.allow)
        if what is not None and not explicit:
            refused.append((str(ip), what))
            continue
        passed.append(str(ip))
    if passed:
        return Decision(True, allowed.pattern.text, why, tuple(dict.fromkeys(passed)))
    if not refused:
        return Decision(False, "resolved-address", f"{name} has no address")
    listed = ", ".join(f"{ip} ({what})" for ip, what in refused[:4])
    first = refused[0][0]
    first = f"[{first}]" if ":" in first else first
    return Decision(False, "resolved-address",
                    f"{name} resolves only to refused addresses: {listed}; to allow it, list "
                    f"the address itself in allowedDomains ({first}:{port})")


def _embedded(ip: IPAddress) -> tuple[IPAddress, ...]:
    """The address plus any IPv4 address carried inside it (NAT64, 6to4)."""
    if ip.version == 6:
        if ip in _NAT64:
            return ip, ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if ip in _6TO4:
            return ip, ipaddress.IPv4Address((int(ip) >> 80) & 0xFFFFFFFF)
    return (ip,)


def _unmap(ip: IPAddress) -> IPAddress:
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _split_port(text: str) -> tuple[str, int | None]:
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise ValueError("unclosed '[' in domain pattern")
        body, rest = text[:end + 1], text[end + 1:]
        if not rest:
            return body, None
        if not rest.startswith(":"):
            raise ValueError("unexpected text after ']' in domain pattern")
        return body, _port(rest[1:])
    if text.count(":") == 1:
        body, port = text.split(":")
        return body, _port(port)
    return text, None


def _port(text: str) -> int:
    if not _PORT.fullmatch(text) or not 0 < int(text) < 65536:
        raise ValueError(f"port {text!r} is not a number from 1 to 65535")
    return int(text)


def _labels(name: str) -> list[str]:
    if not name:
        raise ValueError("empty host name")
    if len(name) > 253:
        raise ValueError("host name is longer than 253 characters")
    labels = name.split(".")
    for label in labels:
        if not label:
            raise ValueError(f"empty label in {name!r} (two dots, or a leading dot)")
        if not _LABEL.fullmatch(label):
            raise ValueError(f"label {label!r} in {name!r} is not letters, digits, '-' or '_' "
                             "(at most 63, not starting or ending with '-')")
    return labels


def _ip_pattern(body: str, port: int | None, text: str, *, bracketed: bool) -> Pattern:
    addr, _, prefix = body.partition("/")
    try:
        ip = _parse_v6(addr) if bracketed else _parse_ip_host(addr)
        if ip is None:
            raise ValueError(f"{addr!r} is not an IP address")
        if prefix:
            if not prefix.isdigit() or len(prefix) > 3:
                raise ValueError(f"prefix length {prefix!r} is not a number")
            net = ipaddress.ip_network(f"{ip}/{int(prefix)}", strict=True)
        else:
            net = ipaddress.ip_network(ip)
    except ValueError as e:
        raise ValueError(f"bad IP pattern {text!r}: {e}") from None
    shown = str(ip) if not prefix else str(net)
    if net.version == 6:
        shown = f"[{shown}]"
    return Pattern(_with_port(shown, port), "ip", network=net, port=port)


def _parse_v6(text: str) -> IPAddress:
    if "%" in text:
        raise ValueError("IPv6 zone identifiers are not allowed")
    try:
        return _unmap(ipaddress.IPv6Address(text))
    except ValueError:
        raise ValueError(f"{text[:60]!r} is not an IPv6 address") from None


def _parse_ip_host(name: str) -> ipaddress.IPv4Address | None:
    """IPv4 in any inet_aton spelling if the last label is numeric, else None (a name).

    As in the WHATWG URL standard, a host whose last label is numeric must be an IPv4
    address: ``1.2.3.4.5`` or ``example.09`` are invalid, never names.
    """
    parts = name.split(".")
    if not _NUMERIC_LABEL.fullmatch(parts[-1]):
        return None
    if len(parts) > 4:
        raise ValueError(f"{name!r} looks like an IPv4 address but has too many parts")
    values = []
    for part in parts:
        if part.startswith("0x"):
            digits, base = part[2:] or "0", 16
        elif len(part) > 1 and part.startswith("0"):
            digits, base = part[1:], 8
        else:
            digits, base = part, 10
        if not digits or len(digits) > 32:
            raise ValueError(f"{name!r} is not a valid IPv4 address")
        try:
            values.append(int(digits, base))
        except ValueError:
            raise ValueError(f"{name!r} is not a valid IPv4 address") from None
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        raise ValueError(f"{name!r} is out of range for an IPv4 address")
    value = last
    for i, v in enumerate(head):
        value |= v << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def _with_port(host: str, port: int | None) -> str:
    return host if port is None else f"{host}:{port}"
