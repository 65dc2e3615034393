"""Network: every way out to a blocked host service, direct or through the proxy.

The proxy is reached the way a program finds it, through $HTTP_PROXY / $ALL_PROXY
(with the credentials in them, if the sandbox puts any there). In a run without a
sandbox those name the world's open proxy, so each technique is shown to work.
"""
from ringfence.verify.probes.model import Hit, probe, py, sh

BLOCKED = Hit("blocked")
# --noproxy '': always the proxy from the environment, even for hosts a sandbox lists in
# NO_PROXY (sandbox-runtime lists 127.0.0.1, which would test its netns, not its proxy).
CURL = "curl -s -S --max-time 8"
VIA_PROXY = CURL + " --noproxy ''"

# Helpers for the python probes: talk to the proxy named in the environment.
PRELUDE = r"""import os,socket,base64,urllib.parse as up
def proxy(var):
    p=up.urlsplit(os.environ[var])
    s=socket.create_connection((p.hostname,p.port),timeout=8)
    cred=(up.unquote(p.username or ''),up.unquote(p.password or ''))
    return s,cred
def basic(cred):
    return ('Proxy-Authorization: Basic '+base64.b64encode((cred[0]+':'+cred[1]).encode()).decode()+'\r\n') if cred[0] else ''
def http_via_proxy(target,host):
    s,cred=proxy('HTTP_PROXY')
    s.sendall(('GET '+target+' HTTP/1.1\r\nHost: '+host+'\r\n'+basic(cred)+'Connection: close\r\n\r\n').encode())
    return s
def connect(authority):
    s,cred=proxy('HTTP_PROXY')
    s.sendall(('CONNECT '+authority+' HTTP/1.1\r\nHost: '+authority+'\r\n'+basic(cred)+'\r\n').encode())
    head=b''
    while b'\r\n\r\n' not in head:
        c=s.recv(1)
        if not c: break
        head+=c
    print(head.decode(errors='replace'))
    if b' 200' not in head.split(b'\r\n')[0]: raise SystemExit(1)
    return s
def socks(host,port):
    s,cred=proxy('ALL_PROXY')
    s.sendall(b'\x05\x01'+(b'\x02' if cred[0] else b'\x00'))
    m=s.recv(2)
    if m[1:]==b'\x02':
        u,p=cred[0].encode(),cred[1].encode()
        s.sendall(b'\x01'+bytes([len(u)])+u+bytes([len(p)])+p); s.recv(2)
    h=host.encode()
    s.sendall(b'\x05\x01\x00\x03'+bytes([len(h)])+h+port.to_bytes(2,'big'))
    r=s.recv(10)
    print('socks reply',r[:2])
    if r[1:2]!=b'\x00': raise SystemExit(1)
    return s
def hello(name):
    n=name.encode()
    sni=b'\x00\x00'+(len(n)+5).to_bytes(2,'big')+(len(n)+3).to_bytes(2,'big')+b'\x00'+len(n).to_bytes(2,'big')+n
    body=b'\x03\x03'+bytes(32)+b'\x00'+b'\x00\x02\x13\x01'+b'\x01\x00'+len(sni).to_bytes(2,'big')+sni
    hs=b'\x01'+len(body).to_bytes(3,'big')+body
    return b'\x16\x03\x01'+len(hs).to_bytes(2,'big')+hs
def drain(s):
    try:
        while True:
            d=s.recv(4096)
            if not d: break
            print(d.decode(errors='replace'))
    except OSError as e: print(e)
"""


def pyp(code: str):
    return py(PRELUDE + code)


PROBES = [
    # -- around the proxy
    probe("net.tcp-direct", "net", "a direct TCP connection to a blocked host service",
          py("import socket\ns=socket.create_connection(('127.0.0.1',@blocked_port@),timeout=5)\n"
             "s.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n')\nprint(s.recv(200))"), BLOCKED, needs=("@python@",)),
    probe("net.curl-noproxy", "net", "curl ignoring the proxy variables",
          sh(f"{CURL} --noproxy '*' http://127.0.0.1:@blocked_port@/"), BLOCKED, needs=("curl",)),
    probe("net.dev-tcp", "net", "bash's /dev/tcp",
          ("bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/@blocked_port@ && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3"),
          BLOCKED, needs=("bash",)),
    probe("net.socat-tcp", "net", "socat straight to the blocked port",
          sh("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | socat -t 3 - TCP:127.0.0.1:@blocked_port@"), BLOCKED,
          needs=("socat",)),
    probe("net.udp", "net", "a UDP datagram to a host listener",
          py("import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
             "print(s.sendto(b'@marker@',('127.0.0.1',@udp_port@)))"), Hit("udp"), needs=("@python@",)),
    probe("net.ipv6", "net", "TCP to a listener on [::1]",
          py("import socket\ns=socket.create_connection(('::1',@v6_port@),timeout=5)\nprint(s.recv(100))"),
          Hit("v6"), needs=("@python@",)),
    probe("net.unix-socket", "net", "connect to a host unix socket (like ssh-agent or docker.sock)",
          py("import socket\ns=socket.socket(socket.AF_UNIX)\ns.connect('@unix_path@')\nprint(s.recv(100))"),
          Hit("unix"), needs=("@python@",)),
    probe("net.unix-socat", "net", "socat to the host unix socket named by $SSH_AUTH_SOCK",
          sh("socat -t 2 - UNIX-CONNECT:@unix_path@ </dev/null"), Hit("unix"), needs=("socat",)),
    probe("net.abstract-socket", "net", "connect to a host abstract unix socket",
          py("import socket\ns=socket.socket(socket.AF_UNIX)\ns.connect('\\0@abstract_name@')\nprint(s.recv(100))"),
          Hit("abstract"), needs=("@python@",)),
    # -- through the proxy, to a target it must refuse
    probe("net.proxy-http", "net", "plain HTTP through the proxy to the blocked target",
          sh(f'{VIA_PROXY} -x "$HTTP_PROXY" http://127.0.0.1:@blocked_port@/'), BLOCKED, needs=("curl",)),
    probe("net.proxy-connect", "net", "a CONNECT tunnel through the proxy to the blocked target",
          sh(f'{VIA_PROXY} -p -x "$HTTP_PROXY" http://127.0.0.1:@blocked_port@/'), BLOCKED, needs=("curl",)),
    probe("net.proxy-socks5h", "net", "SOCKS5 (name resolved by the proxy) to the blocked target",
          sh(f'{VIA_PROXY} -x "$ALL_PROXY" http://127.0.0.1:@blocked_port@/'), BLOCKED, needs=("curl",)),
    probe("net.proxy-socks5-raw", "net", "a hand-made SOCKS5 CONNECT to the blocked target",
          pyp("s=socks('127.0.0.1',@blocked_port@)\ns.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n')\ndrain(s)"),
          BLOCKED, needs=("@python@",)),
    probe("net.localhost-name", "net", "a name that resolves to loopback (localhost) through the proxy",
          sh(f"{VIA_PROXY} http://localhost:@blocked_port@/"), BLOCKED, needs=("curl",)),
    probe("net.ip-decimal", "net", "the blocked address spelled as one decimal number",
          pyp("drain(http_via_proxy('http://2130706433:@blocked_port@/','2130706433:@blocked_port@'))"),
          BLOCKED, needs=("@python@",)),
    probe("net.ip-short", "net", "the blocked address spelled 127.1",
          pyp("drain(http_via_proxy('http://127.1:@blocked_port@/','127.1:@blocked_port@'))"),
          BLOCKED, needs=("@python@",)),
    probe("net.ipv4-mapped", "net", "the blocked address as IPv4-mapped IPv6 through CONNECT",
          pyp("s=connect('[::ffff:127.0.0.1]:@blocked_port@')\ns.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n')\ndrain(s)"),
          BLOCKED, needs=("@python@",)),
    probe("net.proxy-ipv6", "net", "the proxy to the [::1] listener", sh(f'{VIA_PROXY} -x "$HTTP_PROXY" http://[::1]:@v6_port@/'),
          Hit("v6"), needs=("curl",)),
    # -- a blocked target by way of an allowed route
    probe("net.forged-host", "net", "allowed URL, forged Host header naming the blocked target",
          pyp("drain(http_via_proxy('http://127.0.0.1:@allowed_port@/','@blocked_name@'))"),
          BLOCKED, needs=("@python@",)),
    probe("net.forged-host-reverse", "net", "blocked URL, Host header naming the allowed target",
          pyp("drain(http_via_proxy('http://127.0.0.1:@blocked_port@/','127.0.0.1:@allowed_port@'))"),
          BLOCKED, needs=("@python@",)),
    probe("net.tunnel-forged-host", "net", "CONNECT to the allowed target, then plain HTTP with Host: the blocked one",
          pyp("s=connect('127.0.0.1:@allowed_port@')\n"
              "s.sendall(b'GET / HTTP/1.1\\r\\nHost: @blocked_name@\\r\\nConnection: close\\r\\n\\r\\n')\ndrain(s)"),
          BLOCKED, needs=("@python@",)),
    probe("net.tunnel-forged-sni", "net", "CONNECT to the allowed target, TLS SNI naming the blocked one",
          pyp("s=connect('127.0.0.1:@allowed_port@')\ns.sendall(hello('@blocked_name@'))\ndrain(s)"),
          BLOCKED, needs=("@python@",)),
    probe("net.socks-forged-host", "net", "SOCKS5 to the allowed target, then Host: the blocked one",
          pyp("s=socks('127.0.0.1',@allowed_port@)\n"
              "s.sendall(b'GET / HTTP/1.1\\r\\nHost: @blocked_name@\\r\\nConnection: close\\r\\n\\r\\n')\ndrain(s)"),
          BLOCKED, needs=("@python@",)),
]
