// The text of `gwctl show vpcs|peerings` (features/vpc/cli.ts), from API answers as the agent gives them.
import { expect } from 'chai';
import { formatPeerings, formatVpcs } from '../../agent/src/features/vpc/cli.ts';

describe('gwctl show vpcs / peerings text', () => {
  const doc = [
    { name: 'blue', id: 'b1', vni: 100, subnets: [{ name: 'a', cidr: '10.10.0.0/24' }] },
    { name: 'red', id: 'r1', vni: 200, subnets: [{ name: 'a', cidr: '10.20.0.0/24' }] },
  ];

  it('shows each VPC of the document with its VRF, peerings and traffic; one not realized says so', () => {
    const text = formatVpcs(doc, {
      dataplane: true,
      vtep: { ip: '10.0.0.1', mac: '02:00:00:00:00:01' },
      items: [{ name: 'blue', id: 'b1', vni: 100, vrf: 1, subnets: ['10.10.0.0/24'], peerings: ['blue-red'], counters: { rxPackets: '12', rxBytes: '1500', txPackets: '9', txBytes: '900', drops: { vpc_no_peering: '3', vpc_source_not_exposed: '0' } } }],
    });
    expect(text).to.equal(
      'VTEP 10.0.0.1, router MAC 02:00:00:00:00:01\n\n' +
        'VPC blue (id b1)\n  VNI 100, VRF 1\n  Subnets: 10.10.0.0/24\n  Peerings: blue-red\n  Sent 12 packets, 1500 bytes; dropped vpc_no_peering 3\n  Received 9 packets, 900 bytes through peerings\n\n' +
        'VPC red (id r1)\n  VNI 200, not realized\n  Subnets: 10.20.0.0/24\n\n',
    );
  });

  it('marks VRFs an agent without a dataplane assigned but never wrote, and works without the overlay at all', () => {
    const text = formatVpcs(doc.slice(0, 1), { dataplane: false, items: [{ name: 'blue', id: 'b1', vni: 100, vrf: 1, subnets: ['10.10.0.0/24'], peerings: [] }] });
    expect(text).to.include('  VNI 100, VRF 1 (no dataplane: not written)\n');
    expect(formatVpcs(doc.slice(0, 1), undefined)).to.equal('VPC blue (id b1)\n  VNI 100, not realized\n  Subnets: 10.10.0.0/24\n\n');
  });

  it('shows what each side of a peering reaches and sends from', () => {
    const text = formatPeerings(
      [{ name: 'blue-red', sides: [{ vpc: 'blue' }, { vpc: 'red' }] }, { name: 'blue-green', sides: [{ vpc: 'blue' }, { vpc: 'green' }] }],
      [
        {
          name: 'blue-red',
          id: 1,
          sides: [
            { vpc: 'blue', vrf: 1, reaches: ['10.20.0.0/24'], sources: ['10.10.0.0/24'] },
            { vpc: 'red', vrf: 2, reaches: ['10.10.0.0/24'], sources: ['10.20.0.0/24'] },
          ],
          counters: { packets: '5', bytes: '420' },
        },
      ],
    );
    expect(text).to.equal(
      'Peering blue-red (id 1)\n  blue (VRF 1) reaches 10.20.0.0/24\n    sends from 10.10.0.0/24\n  red (VRF 2) reaches 10.10.0.0/24\n    sends from 10.20.0.0/24\n  Carried 5 packets, 420 bytes\n\n' +
        'Peering blue-green: blue <-> green, not realized\n\n',
    );
  });
});
