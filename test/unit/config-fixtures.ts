// A valid desired-state document the unit tests mutate one field at a time.
import type { DesiredState } from '../../agent/src/config/model.ts';

export function validDoc(): DesiredState {
  return {
    gateway: {
      name: 'gw1',
      asn: 65001,
      routerId: '10.0.0.1',
      vtep: { ip: '10.0.0.1', mac: '02:00:00:00:00:01' },
      ports: [
        { name: 'eth1', device: 'net_tap0,iface=gwmg0', mtu: 1500, addresses: ['10.1.0.1/31'] },
        { name: 'eth2', device: 'net_tap1,iface=gwmg1', mtu: 1500, addresses: ['10.1.0.3/31'] },
      ],
      neighbors: [
        { ip: '10.1.0.0', asn: 65100, bfdProfile: 'fast', port: 'eth1' },
        { ip: '10.1.0.2', asn: 65100 },
      ],
      bfdProfiles: [{ name: 'fast', detectMultiplier: 3, receiveIntervalMs: 300, transmitIntervalMs: 300 }],
    },
    vpcs: [
      { name: 'blue', id: 'b1', vni: 100, subnets: [{ name: 'a', cidr: '10.10.0.0/24' }] },
      { name: 'red', id: 'r1', vni: 200, subnets: [{ name: 'a', cidr: '10.20.0.0/24' }] },
    ],
    peerings: [
      {
        name: 'blue-red',
        sides: [
          { vpc: 'blue', expose: [{ ips: ['10.10.0.0/24'] }] },
          { vpc: 'red', expose: [{ ips: ['10.20.0.0/24'], as: ['192.168.20.0/24'], nat: { mode: 'static' } }] },
        ],
      },
    ],
    groups: [],
    staticRoutes: [{ prefix: '198.51.100.0/24', nexthops: [{ ip: '10.1.0.0', port: 'eth1' }] }],
  };
}
