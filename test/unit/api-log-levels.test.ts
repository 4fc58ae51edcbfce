import { expect } from 'chai';
import { Writable } from 'node:stream';
import { LogLevels } from '../../agent/src/log/levels.ts';

function sink(): { lines: { mod?: string; msg: string; level: number }[]; stream: Writable } {
  const lines: { mod?: string; msg: string; level: number }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { lines, stream };
}

describe('run-time log levels per component', () => {
  it('filters by the component of a child binding or of the {mod} field, changeable at run time', () => {
    const out = sink();
    const levels = new LogLevels({ level: 'info', bindings: { instance: 'gwmg' }, destination: out.stream });
    // Taken before the change, as components do at start.
    const cpi = levels.root.child({ mod: 'cpi' });
    cpi.debug('hidden');
    levels.root.debug({ mod: 'frr' }, 'hidden too');
    levels.set({ levels: { cpi: 'debug' } });
    cpi.debug('cpi debug');
    levels.root.debug({ mod: 'frr' }, 'frr still hidden');
    levels.root.warn({ mod: 'frr' }, 'frr warn');
    levels.set({ default: 'error', levels: {} });
    levels.root.warn({ mod: 'frr' }, 'now hidden');
    cpi.info('cpi keeps its own level');
    expect(out.lines.map((l) => l.msg)).to.deep.equal(['cpi debug', 'frr warn', 'cpi keeps its own level']);
    expect(out.lines[0]).to.include({ mod: 'cpi', instance: 'gwmg' });
    expect(levels.snapshot()).to.deep.equal({ default: 'error', levels: { cpi: 'debug', frr: 'error' } });
  });
});
