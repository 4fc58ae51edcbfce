// The text of `gwctl show nat sessions|pools|static` (features/nat/cli.ts), from API answers as the agent gives them.
import { expect } from 'chai';
import { formatPools, formatSessions, formatStatic } from '../../agent/src/features/nat/cli.ts';

describe('gwctl show nat text', () => {
  it('lists sessions as an aligned table, IPv6 endpoints bracketed, and says when more matched', () => {
    const s = {
      id: '1', peering: 'blue-red', pool: 1, proto: 'tcp' as const, state: 'established', idleSeconds: 3, expiresSeconds: 7437,
      inside: { addr: '10.10.0.7', port: 40000 }, outside: { addr: '203.0.113.1', port: 40000 }, remote: { addr: '2001:db8::9', port: 80 },
      packetsOut: '1', packetsIn: '1', bytesOut: '60', bytesIn: '60',
    };
    expect(formatSessions({ items: [s], truncated: true })).to.equal(
      'Proto  Inside           Outside            Remote            State        Idle  Expires  Peering\n' +
        'tcp    10.10.0.7:40000  203.0.113.1:40000  [2001:db8::9]:80  established     3     7437  blue-red\n' +
        '1 session shown, more match (raise --limit)\n',
    );
    expect(formatSessions({ items: [], truncated: false })).to.match(/\n0 sessions\n$/);
  });

  it('shows a pool per block: addresses, inside or forwards, filtering, timeout and use', () => {
    const text = formatPools({
      dataplane: true,
      items: [
        { pool: 1, peering: 'blue-red', vpc: 'blue', vrf: 1, mode: 'masquerade', filtering: 'address-dependent', idleTimeoutSeconds: 0, prefixes: ['203.0.113.1/32'], inside: ['10.10.0.0/25'], forwards: [], stats: { addresses: 1, portsInUse: 2, sessions: 2, exhausted: '0' } },
        { pool: 3, peering: 'blue-red', vpc: 'blue', vrf: 1, mode: 'portForward', idleTimeoutSeconds: 90, prefixes: ['198.51.100.80/32'], inside: [], forwards: [{ proto: 'tcp', addr: '198.51.100.80', port: 80, inside: '10.10.0.200', insidePort: 8080 }] },
      ],
    });
    expect(text).to.equal(
      'Pool 1: masquerade, peering blue-red, VPC blue (VRF 1)\n  Addresses: 203.0.113.1/32\n  Inside: 10.10.0.0/25\n  Filtering: address-dependent\n  Idle timeout: protocol defaults\n  In use: 2 sessions, 2 ports of 1 addresses; exhausted 0\n\n' +
        'Pool 3: portForward, peering blue-red, VPC blue (VRF 1)\n  Addresses: 198.51.100.80/32\n  Forward: tcp 198.51.100.80:80 -> 10.10.0.200:8080\n  Idle timeout: 90 s\n  No use reported\n',
    );
    expect(formatPools({ dataplane: false, items: [] })).to.equal('No stateful NAT in this dataplane\n');
  });

  it('shows static mappings as a table', () => {
    expect(formatStatic({ dataplane: true, items: [{ peering: 'blue-red', vpc: 'red', vrf: 2, ips: '10.20.0.128/25', as: '192.168.20.128/25' }] })).to.equal(
      'Peering   VPC  VRF  Inside (ips)    Outside (as)\nblue-red  red    2  10.20.0.128/25  192.168.20.128/25\n',
    );
  });
});
