// GET /v1/status health conditions: zebra's FIB compared with the dataplane's (pure functions over captured
// `show ip route json` shapes) and the once-per-second bound on health checks (fake features).
import { expect } from 'chai';
import { HealthChecks } from '../../agent/src/api/health.ts';
import type { FeatureModule } from '../../agent/src/core/feature.ts';
import { zebraInstalled } from '../../agent/src/features/frr/zebra-fib.ts';
import { fibCondition } from '../../agent/src/features/routing/health.ts';

describe('status health: dataplane FIB vs zebra', () => {
  const zebra = {
    '10.2.2.0/24': [{ protocol: 'bgp', selected: true, installed: true }],
    '10.9.0.0/16': [{ protocol: 'bgp', selected: true, installed: false, failed: true }],
    '10.0.1.0/31': [{ protocol: 'connected', selected: true, installed: true }],
    '10.7.0.0/16': [{ protocol: 'bgp', selected: false }, { protocol: 'static', selected: true, installed: true }],
  };

  it('counts only routes zebra installed through the plugin (not connected, not refused)', () => {
    expect(zebraInstalled(zebra).sort()).to.deep.equal(['10.2.2.0/24', '10.7.0.0/16']);
  });

  it('is False with the count and a sample when the dataplane lacks an installed route', () => {
    const c = fibCondition(zebraInstalled(zebra), new Set(['10.7.0.0/16', '10.0.1.0/31']));
    expect(c).to.include({ object: 'fib/default', status: 'False', reason: 'FibMissingRoutes' });
    expect(c.message).to.match(/^1 of 2 routes .* e\.g\. 10\.2\.2\.0\/24$/);
  });

  it('is True when every installed route is in the dataplane', () => {
    expect(fibCondition(zebraInstalled(zebra), new Set(['10.2.2.0/24', '10.7.0.0/16'])).status).to.equal('True');
  });
});

describe('status health: checks bounded per second', () => {
  it('runs the features checks once for polls within a second, and names a check that threw', async () => {
    let calls = 0;
    const fakes: FeatureModule[] = [
      { name: 'a', health: async () => (calls++, [{ object: 'bgp/x', type: 'Healthy', status: 'False', reason: 'PeerDown' }]) },
      { name: 'b', health: async () => Promise.reject(new Error('vtysh timed out')) },
    ];
    const h = new HealthChecks(fakes, { find: () => undefined });
    const [r1] = await Promise.all([h.get(null), h.get(null), h.get(null)]);
    await h.get(null);
    expect(calls).to.equal(1);
    // A new generation in force changes what should be up: checked again at once.
    await h.get(null, 2);
    expect(calls).to.equal(2);
    expect(r1.map((c) => `${c.object} ${c.status} ${c.reason}`)).to.deep.equal(['bgp/x False PeerDown', 'feature/b Unknown CheckFailed']);
  });
});
