import { platformRegistry } from '@app/platforms';
import { SIMULATOR_MANIFESTS, simulatorManifest } from './registry';
import { startSimulator } from './start';

describe('sandbox registry', () => {
  it('has one simulator per registered platform, no more, no duplicates', () => {
    expect(SIMULATOR_MANIFESTS.map((m) => m.platform).sort()).toEqual([...platformRegistry.names()].sort());
  });
  it('an unknown platform throws (it never becomes another platform simulator)', async () => {
    expect(() => simulatorManifest('nosuchplatform')).toThrow(/unknown platform "nosuchplatform"/);
    await expect(startSimulator('nosuchplatform')).rejects.toThrow(/unknown platform "nosuchplatform"/);
  });
  it('builds the simulator of the platform it names', () => {
    for (const m of SIMULATOR_MANIFESTS) expect(m.create({}).platform).toBe(m.platform);
  });
});
