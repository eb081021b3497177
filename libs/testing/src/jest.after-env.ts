import nock from 'nock';

// nock patches node:http for the whole jest worker; release it after each suite so the next suite
// (with its own module registry and its own nock) starts clean.
afterAll(() => {
  nock.cleanAll();
  nock.restore();
});
