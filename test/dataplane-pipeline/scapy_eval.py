# Builds packets for the pipeline tests: reads a JSON list of scapy expressions on stdin, prints one hex
# string per expression (a packet, or the bytes of an expression evaluated over `pkt` for checks).
import json
import sys

from scapy.all import *  # noqa: F401,F403  (expressions use the scapy namespace)



def ip_options(p):
    """The raw IPv4 option bytes of p (hex), from the header itself rather than scapy's parsed options."""
    q = Ether(bytes(p))  # noqa: F405
    return bytes(q[IP])[20:q[IP].ihl * 4].hex()  # noqa: F405


def routed(p, src, dst):
    """What the gateway must emit for p: new MACs, TTL/hop limit - 1, IPv4 header checksum recomputed by scapy,
    IPv4 options as they arrived.

    Options are the gateway's documented choice (docs/dataplane-pipeline.md, "IPv4 options"): every option,
    Record Route included, is forwarded unchanged, the pass-through RFC 1812 section 5.3.13.5 allows as a
    router's configured behaviour. A recording router (RFC 791 Record Route: its address at the pointer, pointer
    + 4) would emit other bytes."""
    q = Ether(bytes(p))  # noqa: F405
    if Dot1Q in q:  # noqa: F405  (egress is untagged)
        q = Ether(src=q.src, dst=q.dst) / q[Dot1Q].payload  # noqa: F405
        q = Ether(bytes(q))  # noqa: F405
    q.src, q.dst = src, dst
    if IP in q:  # noqa: F405
        q[IP].options = Ether(bytes(p))[IP].options  # noqa: F405  (forwarded unchanged, see the docstring)
        q[IP].ttl -= 1  # noqa: F405
        del q[IP].chksum  # noqa: F405
        return bytes(q)[:14 + q[IP].len]  # noqa: F405  (Ethernet padding is not forwarded)
    q[IPv6].hlim -= 1  # noqa: F405
    return bytes(q)[:14 + 40 + q[IPv6].plen]  # noqa: F405


def checksums_ok(p):
    """True when scapy, recomputing every checksum of p, gets the same bytes."""
    q = p.copy()
    for layer in (IP, ICMP, UDP, TCP):  # noqa: F405
        if layer in q and 'chksum' in q[layer].fields:
            del q[layer].chksum
    for layer in (ICMPv6PacketTooBig, ICMPv6TimeExceeded, ICMPv6DestUnreach):  # noqa: F405
        if layer in q:
            del q[layer].cksum
    return bytes(Ether(bytes(q))) == bytes(p)  # noqa: F405


out = []
for item in json.load(sys.stdin):
    env = {}
    if 'pkt' in item:
        env['pkt'] = Ether(bytes.fromhex(item['pkt']))  # noqa: F405
    scope = dict(globals(), **env)  # one namespace, so lambdas in expressions see `pkt`
    v = eval(item['expr'], scope)
    out.append(v.hex() if isinstance(v, (bytes, bytearray)) else bytes(v).hex() if hasattr(v, 'build') else json.dumps(v))
print(json.dumps(out))
