/**
 * `describe` for tests that do the same whatever DATABASE_URL and REDIS_URL say: each
 * starts its own embedded database, or reads files only. `.ci/run` runs `npm test`
 * twice, against the real servers and on the embedded defaults; its first pass sets
 * YF_TEST_SERVERS_PASS=1, and these run in the second pass only rather than twice the
 * same. `npm test` on its own runs them.
 */
export const describeAnyMode: jest.Describe = process.env.YF_TEST_SERVERS_PASS
  ? describe.skip
  : describe;
